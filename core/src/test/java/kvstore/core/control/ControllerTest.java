package kvstore.core.control;

import kvstore.core.Command;
import kvstore.core.Message.NewView;
import kvstore.core.Message.Prepare;
import kvstore.core.Replica;
import kvstore.core.ReplicaConfig;
import kvstore.core.Result;
import kvstore.core.TestNetwork;
import kvstore.core.View;
import org.junit.jupiter.api.Test;

import java.util.List;

import static kvstore.core.TestNetwork.CONTROLLER;
import static kvstore.core.TestNetwork.controller;
import static kvstore.core.TestNetwork.node;
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
    private static TestNetwork bootstrapped() {
        TestNetwork net = TestNetwork.withController("n1", "n2", "n3");
        net.tick(100);
        assertNotNull(net.settledView(), "the controller installs a first view: " + net.notes);
        return net;
    }

    @Test
    void aNewClusterGetsAViewOfAllItsNodes() {
        TestNetwork net = bootstrapped();
        View v = net.settledView();
        assertEquals(3, v.members().size());
        assertEquals(Result.Status.OK, net.request("c", "n3", 1, Command.put("x", "1"), 5).status());
    }

    @Test
    void whenThePrimaryDiesABackupTakesOverWithEveryAcknowledgedWrite() {
        TestNetwork net = bootstrapped();
        String primary = net.settledView().primary();
        assertEquals(Result.Status.OK, net.request("c", primary, 1, Command.put("x", "1"), 5).status());
        net.nodes.put(primary, null);
        net.tick(300);
        View after = net.settledView();
        assertNotNull(after, "a new view without the dead primary: " + net.notes);
        assertNotEquals(primary, after.primary());
        assertFalse(after.isMember(primary));
        assertEquals("1", net.request("c", after.primary(), 2, Command.get("x"), 5).value());
        assertEquals(Result.Status.UPDATED, net.request("c", after.primary(), 3, Command.put("x", "2"), 5).status());
        TestNetwork.Established failover = net.established.getLast();
        assertEquals(after, failover.view(), "the controller says when the new view was established");
        assertTrue(failover.ticks() > 0 && failover.ticks() < 300, "and how long it took: " + failover.ticks());
    }

    @Test
    void aRestartedNodeIsAddedBackAsABackupAndVotesAgain() {
        TestNetwork net = bootstrapped();
        String primary = net.settledView().primary();
        String backup = net.settledView().backups().getFirst();
        net.request("c", primary, 1, Command.put("x", "1"), 5);
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
        TestNetwork net = bootstrapped();
        View before = net.settledView();
        String survivor = before.backups().getFirst();
        for (String n : before.members()) {
            if (!n.equals(survivor)) {
                net.nodes.put(n, null);
            }
        }
        int sentSoFar = net.sent.size();
        net.tick(500);
        assertTrue(net.sent.subList(sentSoFar, net.sent.size()).stream()
                        .noneMatch(m -> m.from().equals(CONTROLLER) && m.message() instanceof Prepare),
                "no round without a majority: " + net.notes);
        assertFalse(net.nodes.get(survivor).state().fenced(), "the survivor was not fenced for nothing");
        assertTrue(net.notes.stream().anyMatch(n -> n.contains("a majority is needed")), net.notes.toString());
    }

    /**
     * The primary is cut off from both backups, which still reach each other and the controller: the two backups,
     * one of them promoted, keep two copies of every write, where the primary alone would keep one.
     */
    @Test
    void aPrimaryCutOffFromItsBackupsIsReplacedByTheLargerGroup() {
        TestNetwork net = bootstrapped();
        View before = net.settledView();
        String primary = before.primary();
        for (String b : before.backups()) {
            net.disconnect(node(primary), node(b));
        }
        net.request("c", primary, 1, Command.put("x", "1"), 5); // held up: the primary reports its backups lagging
        int decidedBefore = net.decided.size();
        net.tick(250); // less than the primary is then left out for (dropFor): it would come back as a backup
        assertTrue(net.notes.stream().anyMatch(n -> n.contains("a view led from")), net.notes.toString());
        View next = net.decided.get(decidedBefore);
        assertFalse(next.isMember(primary), net.decided.toString());
        assertEquals(2, next.members().size(), next.toString());
        assertEquals(Result.Status.OK, net.request("c", next.primary(), 2, Command.put("y", "2"), 5).status());
    }

    /** With a smallest view of two, a primary left alone is not given a view of its own: writes wait instead. */
    @Test
    void noViewBelowTheSmallestAllowed() {
        TestNetwork net = TestNetwork.of("n1", "n2", "n3");
        net.controllers.put(CONTROLLER.name(), net.newController("ctl#1", List.of("n1", "n2", "n3"),
                ControllerConfig.defaults().withMinViewSize(2)));
        net.tick(100);
        View first = net.settledView();
        assertNotNull(first, net.notes.toString());
        String primary = first.primary();
        String dead = first.backups().get(0);
        String cut = first.backups().get(1);
        net.nodes.put(dead, null);
        net.disconnect(node(primary), node(cut));
        net.disconnect(node(dead), node(cut));
        net.tick(2_000);
        assertTrue(net.notes.stream().anyMatch(n -> n.contains("fewer than 2 nodes (the smallest allowed)")),
                net.notes.toString());
        assertTrue(net.decided.stream().allMatch(v -> v.members().size() >= 2), net.decided.toString());
        assertTrue(net.decided.size() <= 3, "the view is left as it is, not decided again and again: "
                + net.decided);
    }

    /**
     * The review's scenario, step by step: a node forgets its promise in a restart, then a late NewView of the view
     * it had left arrives. If it took that view, the view's deposed primary (never fenced: the second controller
     * could not reach it) would have a backup again and serve the value from before the newer view's write.
     */
    @Test
    void aRestartedNodeDoesNotReviveAReplacedViewFromALateMessage() {
        TestNetwork net = bootstrapped(); // view 1: n1 primary, n2 and n3 backups
        assertEquals("n1", net.settledView().primary());
        net.request("c", "n1", 1, Command.put("x", "old"), 5);
        // n3 is cut off from n1: the first controller drops it (view 2 = n1, n2), and we keep one copy of its
        // NewView for view 2 to deliver much later.
        net.disconnect(node("n1"), node("n3"));
        net.request("c", "n1", 2, Command.put("x", "old"), 5);
        net.hold = m -> m.from().equals(CONTROLLER) && m.to().equals(node("n2")) && m.message() instanceof NewView nv
                && nv.view().number() == 2 && net.held.isEmpty();
        net.tick(250); // the write times out, n1 reports n3 lagging, view 2 (and n3 stays out for 300 ticks)
        View two = net.decided.getLast();
        assertEquals(List.of("n2"), two.backups(), net.notes.toString());
        assertEquals(1, net.held.size(), "a copy of view 2's NewView is held back");
        // The first controller stops; a second one reaches n2 and n3 but not n1, so n1 is never fenced.
        net.controllers.put("ctl", null);
        net.reconnectAll();
        net.disconnect(node("n1"), controller("ctl2"));
        net.disconnect(node("n1"), node("n3"));
        net.controllers.put("ctl2", net.newController("ctl2#1", List.of("n1", "n2", "n3")));
        net.tick(600);
        View three = net.decided.getLast();
        assertEquals("n2", three.primary(), "n2 was synced in view 2: " + net.notes);
        assertEquals(Result.Status.UPDATED, net.request("d", "n2", 1, Command.put("x", "new"), 5).status());
        // n2 restarts, empty and forgetful, and only then gets the late NewView of view 2.
        net.controllers.put("ctl2", null);
        net.nodes.put("n2", new Replica("n2", 2, ReplicaConfig.defaults()));
        net.hold = m -> false;
        net.inFlight.addAll(net.held);
        net.deliverAll();
        net.tick(50);
        assertEquals(null, net.nodes.get("n2").view(), "the restarted node refused the replaced view");
        Result read = net.request("e", "n1", 1, Command.get("x"), 5);
        assertTrue(read == null || read.status() == Result.Status.UNAVAILABLE,
                "the deposed primary must not serve the old value: " + read);
    }
}
