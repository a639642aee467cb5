package kvstore.node.control;

import kvstore.node.core.Command;
import kvstore.node.core.Message;
import kvstore.node.core.Message.ClientReply;
import kvstore.node.core.Message.ClientRequest;
import kvstore.node.core.Message.Prepare;
import kvstore.node.core.Replica;
import kvstore.node.core.ReplicaConfig;
import kvstore.node.core.RequestId;
import kvstore.node.core.Result;
import kvstore.node.core.Send;
import kvstore.node.core.View;
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
    /** Replicas (null: crashed), one controller "ctl", clients; messages delivered in order, cut links drop. */
    static final class Net {
        final Map<String, Replica> nodes = new LinkedHashMap<>();
        final Controller controller;
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
            controller = new Controller("ctl#1", List.of(ids), ControllerConfig.defaults(), new SplittableRandom(1),
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
            inFlight.add(new Object[] {from, to, m});
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
                if (to.equals("ctl")) {
                    out = controller.onMessage(from, (Message) m[2]);
                } else if (nodes.containsKey(to)) {
                    Replica r = nodes.get(to);
                    if (r == null) {
                        continue; // crashed
                    }
                    out = r.onMessage(from, (Message) m[2]);
                } else {
                    replies.put(to, ((ClientReply) m[2]).result());
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
                for (Send s : controller.onTick()) {
                    send("ctl", s.to(), s.message());
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
}
