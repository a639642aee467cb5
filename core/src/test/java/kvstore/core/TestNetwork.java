package kvstore.core;

import kvstore.core.Message.ClientReply;
import kvstore.core.Message.ClientRequest;
import kvstore.core.Message.NewView;
import kvstore.core.control.Controller;
import kvstore.core.control.ControllerConfig;
import kvstore.core.storage.MemoryDisk;
import kvstore.core.storage.ReplicaStore;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.Predicate;

/**
 * The unit tests' network, for every test of the core: replicas and controllers are {@link Process}es, addressed
 * and driven the same way, tick by tick, in the style of etcd raft's tests. Messages are delivered in the order
 * sent; a disconnected pair drops them both ways; a message a test chooses to hold waits until it releases it.
 * What reaches a client or the operator is kept for the test to read. (The simulator runs the same processes
 * under random faults; these tests pin down the plain cases.)
 */
public final class TestNetwork {
    public static final Address OPERATOR = new Address.Operator("operator");
    public static final Address CONTROLLER = new Address.Controller("ctl");

    /** One message on its way, or delivered. */
    public record InFlight(Address from, Address to, Message message) {
    }

    /** Replicas by node name (null: crashed). */
    public final Map<String, Replica> nodes = new LinkedHashMap<>();
    /** Controllers by name (null: crashed). */
    public final Map<String, Controller> controllers = new LinkedHashMap<>();
    public final Deque<InFlight> inFlight = new ArrayDeque<>();
    /** Messages a test holds back ({@link #hold}), in the order they were sent. */
    public final List<InFlight> held = new ArrayList<>();
    public Predicate<InFlight> hold = m -> false;
    /** Everything sent, and everything delivered to a live process, in order. */
    public final List<InFlight> sent = new ArrayList<>();
    public final List<InFlight> delivered = new ArrayList<>();
    /** What reached each client, by name. */
    public final Map<String, List<ClientReply>> replies = new LinkedHashMap<>();
    /** The controllers' reasoning and decisions. */
    public final List<String> notes = new ArrayList<>();
    public final List<View> decided = new ArrayList<>();
    /** Views the controllers saw established, with the ticks from their round's start. */
    public final List<Established> established = new ArrayList<>();

    public record Established(View view, long ticks) {
    }
    private final Set<Set<Address>> disconnected = new HashSet<>();
    /** The disks of the nodes that keep their state on one, by node name; they outlive the node's crashes. */
    public final Map<String, MemoryDisk> disks = new LinkedHashMap<>();
    private final Map<String, ReplicaStore> stores = new LinkedHashMap<>();
    /** The disks (by node) that take records but sync nothing: what waits for them waits ({@link #syncDisks}). */
    public final Set<String> stalledDisks = new HashSet<>();

    /** Founding replicas of these nodes, not yet in any view. */
    public static TestNetwork of(String... nodes) {
        TestNetwork net = new TestNetwork();
        for (String n : nodes) {
            net.nodes.put(n, Replica.founding(n, 1, ReplicaConfig.defaults()));
        }
        return net;
    }

    /** These nodes and a controller, {@link #CONTROLLER}, in its first life, watching them. */
    public static TestNetwork withController(String... nodes) {
        TestNetwork net = of(nodes);
        net.controllers.put(CONTROLLER.name(), net.newController("ctl#1", List.of(nodes)));
        return net;
    }

    public static Address node(String name) {
        return new Address.Node(name);
    }

    public static Address client(String name) {
        return new Address.Client(name);
    }

    public static Address controller(String name) {
        return new Address.Controller(name);
    }

    /** A controller whose notes and decisions this network keeps; add it to {@link #controllers} to run it. */
    public Controller newController(String life, List<String> nodes) {
        return newController(life, nodes, ControllerConfig.defaults());
    }

    public Controller newController(String life, List<String> nodes, ControllerConfig config) {
        return new Controller(life, nodes, config, new SplittableRandom(1),
                new Controller.Events() {
                    @Override
                    public void note(String text) {
                        notes.add(text);
                    }

                    @Override
                    public void decided(View view) {
                        TestNetwork.this.decided.add(view);
                    }

                    @Override
                    public void established(View view, long ticks) {
                        TestNetwork.this.established.add(new Established(view, ticks));
                    }
                });
    }

    /** Messages between these two are dropped, both ways, until {@link #reconnectAll}. */
    public void disconnect(Address a, Address b) {
        disconnected.add(Set.of(a, b));
    }

    public void reconnectAll() {
        disconnected.clear();
    }

    public void send(Address from, Address to, Message m) {
        InFlight message = new InFlight(from, to, m);
        sent.add(message);
        if (hold.test(message)) {
            held.add(message);
        } else {
            inFlight.add(message);
        }
    }

    /** Delivers what is in flight, and what that causes, until nothing is. */
    public void deliverAll() {
        while (!inFlight.isEmpty()) {
            InFlight m = inFlight.poll();
            if (disconnected.contains(Set.of(m.from(), m.to()))) {
                continue;
            }
            if (m.to() instanceof Address.Disk disk) {
                toDisk(disk, m.message());
                continue;
            }
            Process to = process(m.to());
            if (to == null) {
                if (m.message() instanceof ClientReply reply && m.to() instanceof Address.Client c) {
                    replies.computeIfAbsent(c.name(), k -> new ArrayList<>()).add(reply);
                }
                continue; // crashed, or an operator's answer
            }
            delivered.add(m);
            if (System.getProperty("trace") != null) {
                System.out.println(m);
            }
            dispatch(m.to(), to.onMessage(m.from(), m.message()));
        }
    }

    /** {@code n} ticks of every live process, each followed by delivering everything. */
    public void tick(int n) {
        for (int i = 0; i < n; i++) {
            for (Map.Entry<String, Replica> r : nodes.entrySet()) {
                if (r.getValue() != null) {
                    dispatch(node(r.getKey()), r.getValue().onTick());
                }
            }
            for (Map.Entry<String, Controller> c : controllers.entrySet()) {
                if (c.getValue() != null) {
                    dispatch(controller(c.getKey()), c.getValue().onTick());
                }
            }
            deliverAll();
        }
    }

    /** The operator installs this view at every node. */
    public void install(View v) {
        for (String n : nodes.keySet()) {
            send(OPERATOR, node(n), new NewView(v));
        }
        deliverAll();
    }

    /** A client's request, delivered with all it causes: its answer, or null if none came (yet). */
    public Result request(String client, String node, long number, Command c) {
        RequestId id = new RequestId(client, number);
        send(client(client), node(node), new ClientRequest(id, c));
        deliverAll();
        return lastAnswer(client, id);
    }

    /** The same, and then {@code ticks} ticks: time for what the request waits on. */
    public Result request(String client, String node, long number, Command c, int ticks) {
        request(client, node, number, c);
        tick(ticks);
        return lastAnswer(client, new RequestId(client, number));
    }

    /** The last answer a client got to this request (null: none). */
    public Result lastAnswer(String client, RequestId id) {
        List<ClientReply> got = replies.getOrDefault(client, List.of());
        for (int i = got.size() - 1; i >= 0; i--) {
            if (got.get(i).id().equals(id)) {
                return got.get(i).result();
            }
        }
        return null;
    }

    /** The messages of this type delivered so far. */
    public <M extends Message> List<M> delivered(Class<M> type) {
        return delivered.stream().map(InFlight::message).filter(type::isInstance).map(type::cast).toList();
    }

    /** The view every live node holds, if they agree and it is established; null otherwise. */
    public View settledView() {
        View common = null;
        for (Replica r : nodes.values()) {
            if (r == null) {
                continue;
            }
            if (r.view() == null || (common != null && !common.equals(r.view())) || r.state().fenced()
                    || !r.isSynced()) {
                return null;
            }
            common = r.view();
        }
        return common;
    }

    /**
     * These nodes keep their state on a disk of their own (snapshots every {@code snapshotEvery} operations); call
     * before the nodes take any message.
     */
    public TestNetwork onDisk(int snapshotEvery, String... names) {
        for (String n : names) {
            MemoryDisk disk = new MemoryDisk();
            disks.put(n, disk);
            stores.put(n, ReplicaStore.open(disk, 1 << 12).store());
            nodes.get(n).keepOnDisk(snapshotEvery);
        }
        return this;
    }

    /** A crash of a node: its memory is gone, and its disk keeps only what was synced. */
    public void crash(String node) {
        nodes.put(node, null);
        MemoryDisk disk = disks.get(node);
        if (disk != null) {
            disk.crash(new SplittableRandom(1), false);
            stores.remove(node);
        }
    }

    /** A node that keeps its state on disk starts again, in life {@code incarnation}, from what its disk holds. */
    public Replica restartFromDisk(String node, long incarnation) {
        ReplicaStore.Opened opened = ReplicaStore.open(disks.get(node), 1 << 12);
        stores.put(node, opened.store());
        Replica r = new Replica(node, incarnation, ReplicaConfig.defaults()).keepOnDisk(50);
        r.recover(opened.recovery().snapshot(), opened.recovery().records());
        nodes.put(node, r);
        return r;
    }

    /** Syncs every disk that has records waiting, and delivers what that releases. */
    public void syncDisks() {
        for (Map.Entry<String, ReplicaStore> s : stores.entrySet()) {
            if (nodes.get(s.getKey()) != null) {
                inFlight.add(new InFlight(new Address.Disk(s.getKey()), node(s.getKey()),
                        new Message.Persisted(s.getValue().sync())));
            }
        }
        deliverAll();
    }

    private void toDisk(Address.Disk disk, Message record) {
        ReplicaStore store = stores.get(disk.name());
        if (store == null) {
            return; // the node crashed: the record was never written
        }
        store.accept(record);
        if (!stalledDisks.contains(disk.name())) {
            inFlight.add(new InFlight(disk, node(disk.name()), new Message.Persisted(store.sync())));
        }
    }

    private Process process(Address address) {
        return switch (address) {
            case Address.Disk d -> null;
            case Address.Node n -> nodes.get(n.name());
            case Address.Controller c -> controllers.get(c.name());
            case Address.Client c -> null;
            case Address.Operator o -> null;
        };
    }

    private void dispatch(Address from, List<Send> sends) {
        for (Send s : sends) {
            send(from, s.to(), s.message());
        }
    }
}
