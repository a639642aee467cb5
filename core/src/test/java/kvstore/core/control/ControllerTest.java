package kvstore.core.control;

import kvstore.core.Command;
import kvstore.core.Message;
import kvstore.core.Message.ClientReply;
import kvstore.core.Message.ClientRequest;
import kvstore.core.Message.Prepare;
import kvstore.core.Replica;
import kvstore.core.ReplicaConfig;
import kvstore.core.RequestId;
import kvstore.core.Result;
import kvstore.core.Send;
import kvstore.core.View;
import org.junit.jupiter.api.Test;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The controller core against real replica cores on a tiny in-memory network, tick by tick: the failover
 * scenarios of the issue, in the style of etcd raft's tests. (The simulator runs the same code under random
 * faults; these pin down the plain cases.)
 */
class ControllerTest {
    /**
     * Replicas (null: crashed), controllers ("ctl", and "ctl2" once added; null: crashed), clients; messages
     * delivered in order, cut links drop them, and messages a test chooses to hold wait until it releases them.
     */
    static final class Net {
        final Map<String, Replica> nodes = new LinkedHashMap<>();
        final Controller controller;
        final Map<String, Controller> controllers = new LinkedHashMap<>();
        java.util.function.Predicate<Object[]> hold = m -> false;
        final List<Object[]> held = new ArrayList<>();
        final Deque<Object[]> inFlight = new ArrayDeque<>();
        final Set<String> cut = new HashSet<>();
        final List<String> notes = new ArrayList<>();
        final List<View> decided = new ArrayList<>();
        final Map<String, Result> replies = new LinkedHashMap<>();
        final List<Message> sentByController = new ArrayList<>();

        Net(String... ids) {
            for (String id : ids) {
                nodes.put(id, Replica.founding(id, 1, ReplicaConfig.defaults()));
            }
            controller = newController("ctl#1", List.of(ids));
            controllers.put("ctl", controller);
        }

        Controller newController(String name, List<String> ids) {
            return new Controller(name, ids, ControllerConfig.defaults(), new SplittableRandom(1),
                    new Controller.Events() {
                        @Override
                        public void note(String text) {
                            notes.add(text);
                        }

                        @Override
                        public void decided(View view) {
                            decided.add(view);
                        }
                    });
        }

        void send(String from, String to, Message m) {
            if (from.equals("ctl")) {
                sentByController.add(m);
            }
            Object[] message = {from, to, m};
            if (hold.test(message)) {
                held.add(message);
            } else {
                inFlight.add(message);
            }
        }

        void deliverAll() {
            while (!inFlight.isEmpty()) {
                Object[] m = inFlight.poll();
                String from = (String) m[0];
                String to = (String) m[1];
                if (cut.contains(from + ">" + to) || cut.contains(to + ">" + from)) {
                    continue;
                }
                List<Send> out;
                if (controllers.containsKey(to)) {
                    Controller c = controllers.get(to);
                    if (c == null) {
                        continue; // crashed
                    }
                    out = c.onMessage(from, (Message) m[2]);
                } else if (nodes.containsKey(to)) {
                    Replica r = nodes.get(to);
                    if (r == null) {
                        continue; // crashed
                    }
                    out = r.onMessage(from, (Message) m[2]);
                } else {
                    if (m[2] instanceof ClientReply reply) { // an operator's view replies are not kept
                        replies.put(to, reply.result());
                    }
                    continue;
                }
                for (Send s : out) {
                    send(to, s.to(), s.message());
                }
            }
        }

        void tick(int n) {
            for (int i = 0; i < n; i++) {
                for (Replica r : nodes.values()) {
                    if (r != null) {
                        for (Send s : r.onTick()) {
                            send(r.id(), s.to(), s.message());
                        }
                    }
                }
                for (Map.Entry<String, Controller> c : controllers.entrySet()) {
                    if (c.getValue() != null) {
                        for (Send s : c.getValue().onTick()) {
                            send(c.getKey(), s.to(), s.message());
                        }
                    }
                }
                deliverAll();
            }
        }

        Result request(String client, String node, long number, Command c) {
            replies.remove(client);
            send(client, node, new ClientRequest(new RequestId(client, number), c));
            deliverAll();
            tick(5);
            return replies.get(client);
        }

        /** The view every live node holds, if they agree and it is established; null otherwise. */
        View settledView() {
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
    }

    private static Net bootstrapped() {
        Net net = new Net("n1", "n2", "n3");
        net.tick(100);
        assertNotNull(net.settledView(), "the controller installs a first view: " + net.notes);
        return net;
    }

    @Test
    void aNewClusterGetsAViewOfAllItsNodes() {
        Net net = bootstrapped();
        View v = net.settledView();
        assertEquals(3, v.members().size());
        assertEquals(Result.Status.OK, net.request("c", "n3", 1, Command.put("x", "1")).status());
    }

    @Test
    void whenThePrimaryDiesABackupTakesOverWithEveryAcknowledgedWrite() {
        Net net = bootstrapped();
        String primary = net.settledView().primary();
        assertEquals(Result.Status.OK, net.request("c", primary, 1, Command.put("x", "1")).status());
        net.nodes.put(primary, null);
        net.tick(300);
        View after = net.settledView();
        assertNotNull(after, "a new view without the dead primary: " + net.notes);
        assertNotEquals(primary, after.primary());
        assertFalse(after.isMember(primary));
        assertEquals("1", net.request("c", after.primary(), 2, Command.get("x")).value());
        assertEquals(Result.Status.UPDATED, net.request("c", after.primary(), 3, Command.put("x", "2")).status());
    }

    @Test
    void aRestartedNodeIsAddedBackAsABackupAndVotesAgain() {
        Net net = bootstrapped();
        String primary = net.settledView().primary();
        String backup = net.settledView().backups().getFirst();
        net.request("c", primary, 1, Command.put("x", "1"));
        net.nodes.put(backup, null);
        net.tick(300);
        net.nodes.put(backup, new Replica(backup, 2, ReplicaConfig.defaults())); // back, empty, forgetful
        assertFalse(net.nodes.get(backup).state().voter());
        net.tick(400);
        View after = net.settledView();
        assertNotNull(after, net.notes.toString());
        assertTrue(after.isMember(backup));
        assertEquals("1", net.nodes.get(backup).data().get("x"), "it got the state");
        assertTrue(net.nodes.get(backup).state().voter(), "and was restored as a voter");
    }

    @Test
    void withOnlyAMinorityAnsweringItChangesNothing() {
        Net net = bootstrapped();
        View before = net.settledView();
        String survivor = before.backups().getFirst();
        for (String n : before.members()) {
            if (!n.equals(survivor)) {
                net.nodes.put(n, null);
            }
        }
        net.sentByController.clear();
        net.tick(500);
        assertTrue(net.sentByController.stream().noneMatch(m -> m instanceof Prepare),
                "no round without a majority: " + net.notes);
        assertFalse(net.nodes.get(survivor).state().fenced(), "the survivor was not fenced for nothing");
        assertTrue(net.notes.stream().anyMatch(n -> n.contains("a majority is needed")), net.notes.toString());
    }

    @Test
    void aPrimaryCutOffFromItsBackupsIsReplacedEvenThoughTheControllerReachesIt() {
        Net net = bootstrapped();
        View before = net.settledView();
        String primary = before.primary();
        for (String b : before.backups()) {
            net.cut.add(primary + ">" + b);
        }
        net.request("c", primary, 1, Command.put("x", "1")); // held up: the primary reports its backups lagging
        net.tick(600);
        View after = net.settledView();
        assertTrue(net.notes.stream().anyMatch(n -> n.contains("lagging")), net.notes.toString());
        assertTrue(net.decided.size() >= 2, "a new view was decided: " + net.notes);
        View latest = net.decided.getLast();
        // Either the primary was kept with no backup, or a backup leads without it; never both serving.
        assertTrue(latest.backups().isEmpty() || !latest.isMember(primary), latest.toString());
    }

    /**
     * The review's scenario, step by step: a node forgets its promise in a restart, then a late NewView of the view
     * it had left arrives. If it took that view, the view's deposed primary (never fenced: the second controller
     * could not reach it) would have a backup again and serve the value from before the newer view's write.
     */
    @Test
    void aRestartedNodeDoesNotReviveAReplacedViewFromALateMessage() {
        Net net = bootstrapped(); // view 1: n1 primary, n2 and n3 backups
        assertEquals("n1", net.settledView().primary());
        net.request("c", "n1", 1, Command.put("x", "old"));
        // n3 is cut off from n1: the first controller drops it (view 2 = n1, n2), and we keep one copy of its
        // NewView for view 2 to deliver much later.
        net.cut.add("n1>n3");
        net.request("c", "n1", 2, Command.put("x", "old"));
        net.hold = m -> m[0].equals("ctl") && m[1].equals("n2") && m[2] instanceof Message.NewView nv
                && nv.view().number() == 2 && net.held.isEmpty();
        net.tick(250); // the write times out, n1 reports n3 lagging, view 2 (and n3 stays out for 300 ticks)
        View two = net.decided.getLast();
        assertEquals(List.of("n2"), two.backups(), net.notes.toString());
        assertEquals(1, net.held.size(), "a copy of view 2's NewView is held back");
        // The first controller stops; a second one reaches n2 and n3 but not n1, so n1 is never fenced.
        net.controllers.put("ctl", null);
        net.cut.clear();
        net.cut.add("n1>ctl2");
        net.cut.add("n1>n3");
        net.controllers.put("ctl2", net.newController("ctl2#1", List.of("n1", "n2", "n3")));
        net.tick(600);
        View three = net.decided.getLast();
        assertEquals("n2", three.primary(), "n2 was synced in view 2: " + net.notes);
        assertEquals(Result.Status.UPDATED, net.request("d", "n2", 1, Command.put("x", "new")).status());
        // n2 restarts, empty and forgetful, and only then gets the late NewView of view 2.
        net.controllers.put("ctl2", null);
        net.nodes.put("n2", new Replica("n2", 2, ReplicaConfig.defaults()));
        net.hold = m -> false;
        net.inFlight.addAll(net.held);
        net.deliverAll();
        net.tick(50);
        assertEquals(null, net.nodes.get("n2").view(), "the restarted node refused the replaced view");
        Result read = net.request("e", "n1", 1, Command.get("x"));
        assertTrue(read == null || read.status() == Result.Status.UNAVAILABLE,
                "the deposed primary must not serve the old value: " + read);
    }
}
