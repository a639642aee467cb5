package kvstore.core;

import kvstore.core.Message.Ack;
import kvstore.core.Message.NewView;
import kvstore.core.Message.Replicate;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static kvstore.core.TestNetwork.OPERATOR;
import static kvstore.core.TestNetwork.controller;
import static kvstore.core.TestNetwork.node;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Scenarios on a tiny in-memory network, driven step by step (in the style of etcd raft's tests). */
class ReplicaTest {

    /**
     * A whole state in one complete catch-up batch: view, position, data, the backup's incarnation, the primary's
     * life and the transfer's number (a later one replaces an earlier one), and the primary's lineage.
     */
    static Message.CatchUp state(long view, long seq, Map<String, String> data, long incarnation,
                                 long primaryIncarnation, long transfer, List<ChainId> lineage) {
        return new Message.CatchUp(view, incarnation, primaryIncarnation, transfer, 0, seq, true, null, List.of(),
                Map.of(), new TreeMap<>(data), true, true, lineage);
    }

    /** Catch-ups begun so far: each starts with batch 0. */
    private static long stateTransfers(TestNetwork net) {
        return net.delivered(Message.CatchUp.class).stream().filter(c -> c.batch() == 0).count();
    }

    private static TestNetwork started() {
        TestNetwork net = TestNetwork.of("n1", "n2", "n3");
        net.install(new View(1, "n1", List.of("n2", "n3")));
        return net;
    }

    /** The digest tells apart keys and values that Java's String.hashCode confuses ("Aa" and "BB"). */
    @Test
    void theStateDigestTellsApartWhatStringHashCodeConfuses() {
        List<Long> digests = new ArrayList<>();
        for (String[] kv : new String[][]{{"Aa", "v"}, {"BB", "v"}, {"k", "Aa"}, {"k", "BB"}}) {
            TestNetwork net = started();
            net.request("c", "n1", 1, Command.put(kv[0], kv[1]));
            assertEquals(net.nodes.get("n1").stateDigest(), net.nodes.get("n2").stateDigest(), "replicas agree");
            digests.add(net.nodes.get("n1").stateDigest());
        }
        assertEquals(4, digests.stream().distinct().count(), digests.toString());
    }

    @Test
    void writesAreAcknowledgedOnlyOnceEveryBackupAppliedThem() {
        TestNetwork net = started();
        assertEquals(Result.Status.OK, net.request("c", "n1", 1, Command.put("x", "1")).status());
        for (Replica r : net.nodes.values()) {
            assertEquals("1", r.data().get("x"), r.id() + " holds the acknowledged write");
        }
        assertEquals(Result.Status.UPDATED, net.request("c", "n2", 2, Command.put("x", "2")).status(),
                "a backup forwards to the primary");
        assertEquals("2", net.request("c", "n3", 3, Command.get("x")).value());
    }

    /**
     * A heartbeat of an earlier chain of the primary's same life, overtaken by the catch-up that moved the backup to
     * the newer chain (over HTTP the two travel on separate connections), is stale: the backup stays synced and
     * goes on acknowledging. Taken for "another log than mine", it left the backup unsynced while the primary,
     * which had counted it in this view, ignored its requests for the state: every later write timed out.
     */
    @Test
    void aHeartbeatOfAnEarlierChainOfThePrimarysLifeIsStale() {
        TestNetwork net = started();
        assertEquals(Result.Status.OK, net.request("c", "n1", 1, Command.put("x", "1")).status());
        ChainId chain = net.nodes.get("n2").chain();
        net.send(node("n1"), node("n2"), new Message.Heartbeat(1, chain.start() - 1, chain.incarnation()));
        net.deliverAll();
        assertTrue(net.nodes.get("n2").isSynced(), "the backup still holds its primary's log");
        assertEquals(Result.Status.UPDATED, net.request("c", "n1", 2, Command.put("x", "2")).status());
    }

    @Test
    void thePrimaryTellsHowFarBehindEachBackupIs() {
        TestNetwork net = started();
        assertEquals(Result.Status.OK, net.request("c", "n1", 1, Command.put("x", "1")).status());
        Replica primary = net.nodes.get("n1");
        assertEquals(List.of(new BackupLag("n2", 1, 0, 0), new BackupLag("n3", 1, 0, 0)), primary.backupLag());
        net.disconnect(node("n1"), node("n3"));
        assertNull(net.request("c", "n1", 2, Command.put("x", "2")), "waits for n3");
        net.tick(7);
        assertEquals(List.of(new BackupLag("n2", 2, 0, 0), new BackupLag("n3", 1, 1, 7)), primary.backupLag(),
                "n3 has not acknowledged the write ordered 7 ticks ago");
        assertEquals(List.of(), net.nodes.get("n2").backupLag(), "a backup has none to tell");
    }

    @Test
    void anUnreachableBackupMakesWritesUnavailableNotAcknowledged() {
        TestNetwork net = started();
        net.disconnect(node("n1"), node("n3"));
        assertNull(net.request("c", "n1", 1, Command.put("x", "1")), "no answer while n3 has not applied it");
        net.tick(ReplicaConfig.defaults().replicationTimeoutTicks());
        assertEquals(Result.Status.UNAVAILABLE, net.replies.get("c").getLast().result().status());
    }

    @Test
    void whileABackupIsUnreachableThePrimaryRefusesAtOnceAndTheRefusedWriteNeverTakesEffect() {
        TestNetwork net = started();
        net.disconnect(node("n1"), node("n3")); // n3's process died: the transport says so
        assertTrue(net.nodes.get("n1").onMessage(node("n3"), new Message.Unreachable()).isEmpty());
        Result refused = net.request("c", "n1", 1, Command.put("x", "refused"));
        assertTrue(refused.certainlyNotApplied(), "refused at once, before ordering: " + refused);
        assertEquals(Result.Status.UNAVAILABLE, net.request("c", "n1", 2, Command.get("x")).status(), "reads too");
        net.install(new View(2, "n1", List.of("n2")));
        assertEquals(Result.Status.NOT_FOUND, net.request("c", "n2", 3, Command.get("x")).status(),
                "the refused write did not happen, in the next view either");
        assertEquals(Result.Status.OK, net.request("c", "n2", 4, Command.put("x", "ok")).status());
    }

    @Test
    void aBackupThatNeverAnswersIsTakenForUnreachableAfterTheDetectionTime() {
        TestNetwork net = TestNetwork.of("n1", "n2", "n3");
        net.disconnect(node("n1"), node("n3")); // silent: a partition, or a paused process
        net.install(new View(1, "n1", List.of("n2", "n3")));
        assertNull(net.request("c", "n1", 1, Command.put("x", "1")), "held, unordered, until every backup answers");
        net.tick(ReplicaConfig.defaults().failureDetectionTicks() + 1);
        assertTrue(net.replies.get("c").getLast().result().certainlyNotApplied(), "then refused: never ordered");
        assertTrue(net.nodes.get("n1").state().laggingBackups().contains("n3"), "and reported to a controller");
        assertNull(net.nodes.get("n2").data().get("x"));
        assertEquals(0, net.nodes.get("n1").appliedSeq(), "nothing was ordered");
        net.reconnectAll();
        net.tick(ReplicaConfig.defaults().retransmitTicks());
        assertEquals(Result.Status.OK, net.request("c", "n1", 2, Command.put("x", "2")).status(), "back: served");
    }

    @Test
    void renumberingTheSameViewKeepsOperationsInFlightAndTheBackupsLogs() {
        TestNetwork net = started();
        net.request("c", "n1", 1, Command.put("x", "1"));
        long transfers = stateTransfers(net);
        net.disconnect(node("n1"), node("n2")); // the write below waits for n2
        assertNull(net.request("d", "n1", 1, Command.put("x", "2")));
        net.install(new View(7, "n1", List.of("n3", "n2"))); // the same view, numbered anew
        net.reconnectAll();
        net.tick(ReplicaConfig.defaults().retransmitTicks());
        assertEquals(Result.Status.UPDATED, net.replies.get("d").getLast().result().status(),
                "acknowledged, not aborted by the renumbering");
        assertEquals(transfers, stateTransfers(net), "the backups kept their logs: no state transfer");
        for (Replica r : net.nodes.values()) {
            assertEquals(7, r.view().number());
            assertTrue(r.isSynced(), r.id() + " synced in the renumbered view");
            assertEquals("2", r.data().get("x"));
        }
    }

    @Test
    void aBackupKeepsItsLogAcrossARenumberingOnlyIfThePrimarysLogRanOnUnbroken() {
        TestNetwork net = started();
        net.request("c", "n1", 1, Command.put("x", "1"));
        // n2 misses view 2, in which n3 leads n1 and takes a write; then the operator goes back to view 1's shape.
        net.disconnect(OPERATOR, node("n2"));
        net.install(new View(2, "n3", List.of("n1")));
        assertEquals(Result.Status.UPDATED, net.request("c", "n3", 2, Command.put("x", "2")).status());
        net.reconnectAll();
        net.install(new View(3, "n1", List.of("n2", "n3"))); // to n2, a renumbering of the view 1 it holds
        net.tick(ReplicaConfig.defaults().retransmitTicks());
        assertTrue(net.nodes.get("n2").isSynced());
        assertEquals("2", net.nodes.get("n2").data().get("x"),
                "n1's log began anew in view 3, so n2 took the state instead of keeping its own");
        assertEquals(Result.Status.OK, net.request("c", "n2", 3, Command.get("x")).status());
    }

    /**
     * V2a, the prototype's graders' "stale node back as the lowest id": the operator makes a node primary that missed
     * writes made without it. Before it serves, it takes the newer state its backups hold.
     */
    @Test
    void aPrimaryWithAnOlderStateTakesItsBackupsNewerStateBeforeItServes() {
        TestNetwork net = started();
        assertEquals(Result.Status.OK, net.request("c", "n1", 1, Command.put("x", "1")).status());
        net.disconnect(node("n1"), node("n2"));
        net.disconnect(node("n1"), node("n3"));
        net.disconnect(OPERATOR, node("n1")); // n1 is disconnected, and not told
        net.install(new View(2, "n2", List.of("n3")));
        assertEquals(Result.Status.UPDATED, net.request("c", "n2", 2, Command.put("x", "2")).status());
        net.reconnectAll();
        net.install(new View(3, "n1", List.of("n2", "n3"))); // n1 back, primary again: it holds x = 1
        net.tick(ReplicaConfig.defaults().retransmitTicks());
        assertEquals("2", net.request("c", "n1", 3, Command.get("x")).value(), "the newer state won");
        for (Replica r : net.nodes.values()) {
            assertEquals("2", r.data().get("x"), r.id());
        }
    }

    /**
     * A backup restarts empty while the operator's view is installed without it, then gets the view again and
     * numbers it 1; the primary holds it as 2. The backup's pass-on tells the primary it is there: the primary
     * passes its own number back, and a request that arrives before the backup answers under it waits for that
     * answer. It was refused as if the backup were unreachable, right after every member had installed the view (the
     * simulator's seed 7851 with two controllers).
     */
    @Test
    void aBackupThatNumberedTheViewLowerIsToldTheNumberAndIsNotRefusedAsUnreachable() {
        TestNetwork net = TestNetwork.of("n1", "n2", "n3");
        unnumbered(net, List.of("n1", "n2", "n3"), "n1", List.of("n2"));      // view 1
        net.crash("n3");
        unnumbered(net, List.of("n1", "n2"), "n1", List.of("n2", "n3"));      // view 2 at n1 and n2
        net.tick(ReplicaConfig.defaults().failureDetectionTicks() + 1);        // n3 silent since
        net.nodes.put("n3", new Replica("n3", 2, ReplicaConfig.defaults()));
        net.hold = m -> m.to().equals(node("n3")) && m.message() instanceof Message.PassOn;
        unnumbered(net, List.of("n3"), "n1", List.of("n2", "n3"));            // numbered 1 at n3
        assertEquals(1, net.nodes.get("n3").view().number());
        assertTrue(net.held.stream().anyMatch(m -> m.from().equals(node("n1"))
                        && ((Message.PassOn) m.message()).view().number() == 2),
                "the primary passed its number back: " + net.held);
        assertNull(net.request("c", "n1", 1, Command.put("x", "1")), "waits for n3's answer under number 2");
        net.hold = m -> false;
        net.inFlight.addAll(net.held);
        net.deliverAll();
        net.tick(ReplicaConfig.defaults().retransmitTicks());
        assertEquals(Result.Status.OK, net.replies.get("c").getLast().result().status());
        assertEquals("1", net.nodes.get("n3").data().get("x"));
    }

    private static void unnumbered(TestNetwork net, List<String> to, String primary, List<String> backups) {
        for (String n : to) {
            net.send(OPERATOR, node(n), new Message.UnnumberedView(primary, backups));
        }
        net.deliverAll();
    }

    /**
     * A number passed on only renumbers the view a member holds: a late one, for a view the operator has since
     * replaced here, must not bring that view back (its primary would lead again, beside the new one's).
     */
    @Test
    void aLatePassOnNeverBringsBackAReplacedView() {
        Replica n2 = Replica.founding("n2", 1, ReplicaConfig.defaults());
        n2.onMessage(OPERATOR, new Message.UnnumberedView("n1", List.of("n2", "n3"))); // numbered 1 here
        n2.onMessage(OPERATOR, new Message.UnnumberedView("n3", List.of("n2")));       // the operator moves on: 2
        View replaced = new View(7, "n1", List.of("n2", "n3"));                          // numbered 7 elsewhere
        n2.onMessage(node("n1"), new Message.PassOn(replaced));
        assertEquals("n3", n2.view().primary(), "still the operator's latest view");
        assertEquals(2, n2.view().number());
        n2.onMessage(node("n3"), new Message.PassOn(new View(9, "n3", List.of("n2"))));
        assertEquals(9, n2.view().number(), "the same view, renumbered");
    }

    /**
     * V2a takes a backup's state only if it descends from the primary's (its lineage holds the primary's chain and goes
     * on): a higher number on an unrelated chain proves nothing (epoch-less views are numbered by each node), and
     * taking it could drop a write the primary acknowledged on its own (found in review).
     */
    @Test
    void aNewPrimaryTakesOnlyAStateThatDescendsFromItsOwn() {
        Replica n1 = Replica.founding("n1", 1, ReplicaConfig.defaults());
        n1.onMessage(OPERATOR, new NewView(new View(1, "n1", List.of("n2"))));
        n1.onMessage(node("n2"), new Ack(1, -1, 1, 0, 0, false, List.of(), 0));
        ChainId ours = new ChainId("n1", 1, 1);
        n1.onMessage(OPERATOR, new NewView(new View(2, "n1", List.of("n2", "n3"))));
        List<Send> out = new ArrayList<>(n1.onMessage(node("n2"), new Ack(2, -1, 1, 0, 0, false, List.of(ours), 0)));
        out.addAll(n1.onMessage(node("n3"), new Ack(2, -1, 1, 0, 0, false,
                List.of(new ChainId("n9", 1, 1), new ChainId("n3", 1, 9)), 0)));
        assertTrue(out.stream().noneMatch(s -> s.message() instanceof Message.StateRequest),
                "n3's chain is numbered higher, but does not come from ours: " + out);
        assertTrue(out.stream().anyMatch(s -> s.message() instanceof Message.CatchUp), "n1 claimed: " + out);

        Replica again = Replica.founding("n1", 1, ReplicaConfig.defaults());
        again.onMessage(OPERATOR, new NewView(new View(1, "n1", List.of("n2"))));
        again.onMessage(node("n2"), new Ack(1, -1, 1, 0, 0, false, List.of(), 0));
        again.onMessage(OPERATOR, new NewView(new View(2, "n1", List.of("n3"))));
        List<Send> asked = again.onMessage(node("n3"), new Ack(2, -1, 1, 0, 0, false, List.of(ours, new ChainId("n3", 1, 2)), 0));
        assertTrue(asked.stream().anyMatch(s -> s.message() instanceof Message.StateRequest),
                "n3's state was taken from ours and went on: " + asked);
    }

    /**
     * Every log of one primary's life has a name of its own, even when a view's number is the one its previous chain
     * took (after taking a newer state, V2a): one name for two logs would let V2a mistake one for the other (found in
     * review).
     */
    @Test
    void eachLogOfAPrimaryHasItsOwnChainName() {
        Replica n1 = Replica.founding("n1", 1, ReplicaConfig.defaults());
        n1.onMessage(OPERATOR, new NewView(new View(1, "n1", List.of("n2"))));
        n1.onMessage(node("n2"), new Ack(1, -1, 1, 0, 0, false, List.of(new ChainId("n2", 1, 1)), 0));
        n1.onMessage(node("n2"), new Message.StateOffer(1, 4, Map.of("x", "newer"), Map.of(),
                List.of(new ChainId("n2", 1, 1))));
        n1.onMessage(OPERATOR, new NewView(new View(2, "n1", List.of("n3"))));
        List<Send> out = n1.onMessage(node("n3"), new Ack(2, -1, 1, 0, 0, false, List.of(), 0));
        Message.CatchUp state = out.stream().map(Send::message).filter(Message.CatchUp.class::isInstance)
                .map(Message.CatchUp.class::cast).findFirst().orElseThrow();
        assertEquals(List.of(new ChainId("n2", 1, 1), new ChainId("n1", 1, 2), new ChainId("n1", 1, 3)),
                state.lineage(), "the log begun in view 1 after taking n2's state, then the one begun in view 2");
        assertEquals("newer", state.data().get("x"));
    }

    /**
     * A member that restarts makes its primary begin a new chain: otherwise a node that forked the chain, crashed and
     * came back empty could rejoin it, the chain would acknowledge writes its fork lacks, and V2a would later take the
     * fork's state over them (found in review).
     */
    @Test
    void aForkedNodeThatRestartedAndRejoinedDoesNotMakeItsForkLookNewer() {
        TestNetwork net = TestNetwork.of("n1", "n2", "n3");
        net.disconnect(OPERATOR, node("n3"));
        net.install(new View(1, "n1", List.of("n2")));
        assertEquals(Result.Status.OK, net.request("c", "n1", 1, Command.put("x", "1")).status());
        net.reconnectAll();
        net.disconnect(OPERATOR, node("n1"));
        net.install(new View(2, "n2", List.of("n3"))); // n2 forks n1's chain; nothing is acknowledged in it
        net.nodes.put("n2", new Replica("n2", 2, ReplicaConfig.defaults())); // n2 crashes, comes back empty
        net.reconnectAll();
        net.disconnect(OPERATOR, node("n3"));
        net.install(new View(3, "n1", List.of("n2"))); // to n1, a renumbering of view 1; n2 rejoins empty
        net.tick(ReplicaConfig.defaults().retransmitTicks());
        assertEquals(Result.Status.UPDATED, net.request("c", "n1", 2, Command.put("x", "acknowledged")).status());
        net.reconnectAll();
        net.install(new View(4, "n1", List.of("n2", "n3")));
        net.tick(ReplicaConfig.defaults().retransmitTicks());
        for (Replica r : net.nodes.values()) {
            assertEquals("acknowledged", r.data().get("x"), r.id() + ": n3's fork did not win over it");
        }
    }

    /** Sequence numbers compare only within one chain of a primary's log. */
    @Test
    void aSyncedBackupTakesAnotherChainsStateEvenAtALowerSequenceNumber() {
        Replica backup = new Replica("n2", 1, ReplicaConfig.defaults());
        backup.onMessage(OPERATOR, new NewView(new View(4, "n1", List.of("n2"))));
        backup.onMessage(node("n1"), state(4, 10, Map.of("x", "old"), 1, 7, 1, List.of(new ChainId("n1", 7, 4))));
        assertTrue(backup.isSynced());
        backup.onMessage(node("n1"), state(4, 3, Map.of("x", "newer"), 1, 7, 2,
                List.of(new ChainId("n3", 2, 2), new ChainId("n1", 7, 5))));
        assertEquals("newer", backup.data().get("x"), "the primary began a new chain; its state replaces ours");
        assertEquals(3, backup.appliedSeq());
        backup.onMessage(node("n1"), state(4, 2, Map.of("x", "stale copy"), 1, 7, 1,
                List.of(new ChainId("n3", 2, 2), new ChainId("n1", 7, 5))));
        assertEquals("newer", backup.data().get("x"), "a late copy of an older transfer changes nothing");
    }

    @Test
    void aDeposedPrimaryCanNeitherWriteNorRead() {
        TestNetwork net = started();
        net.request("c", "n1", 1, Command.put("x", "1"));
        // n1 is cut off; the operator installs view 2 on n2 and n3 only.
        net.disconnect(node("n1"), node("n2"));
        net.disconnect(node("n1"), node("n3"));
        net.disconnect(OPERATOR, node("n1"));
        net.install(new View(2, "n2", List.of("n3")));
        assertEquals(Result.Status.UPDATED, net.request("d", "n2", 1, Command.put("x", "2")).status());
        // The network heals but n1 has not heard of view 2: fencing must stop it acknowledging anything.
        net.reconnectAll();
        net.disconnect(OPERATOR, node("n1"));
        assertNull(net.request("e", "n1", 1, Command.get("x")), "no stale read from the deposed primary");
        assertNull(net.request("e", "n1", 2, Command.put("x", "3")));
        net.tick(ReplicaConfig.defaults().replicationTimeoutTicks());
        assertTrue(net.replies.get("e").stream().allMatch(r -> r.result().status() == Result.Status.UNAVAILABLE));
        assertEquals("2", net.nodes.get("n2").data().get("x"));
    }

    @Test
    void aJoiningBackupReceivesTheStateBeforeItCounts() {
        TestNetwork net = started();
        net.request("c", "n1", 1, Command.put("x", "1"));
        net.nodes.put("n4", new Replica("n4", 1, ReplicaConfig.defaults()));
        net.install(new View(2, "n1", List.of("n2", "n3", "n4")));
        assertEquals("1", net.nodes.get("n4").data().get("x"), "state transfer");
        assertTrue(net.nodes.get("n4").isSynced());
        assertEquals(Result.Status.UPDATED, net.request("c", "n1", 2, Command.put("x", "2")).status());
        assertEquals("2", net.nodes.get("n4").data().get("x"));
    }

    @Test
    void aRetriedWriteIsAppliedOnceAndGetsTheOriginalAnswer() {
        TestNetwork net = started();
        Result first = net.request("c", "n1", 1, Command.cas("x", null, "a"));
        net.request("d", "n1", 1, Command.put("x", "b"));
        Result retry = net.request("c", "n2", 1, Command.cas("x", null, "a"));
        assertEquals(first, retry, "the retry gets the first answer");
        assertEquals("b", net.nodes.get("n1").data().get("x"), "and is not applied again");
    }

    @Test
    void backupsApplyInOrderAndIgnoreDuplicatesAndOtherViews() {
        Replica backup = new Replica("n2", 1, ReplicaConfig.defaults());
        backup.onMessage(OPERATOR, new NewView(new View(1, "n1", List.of("n2"))));
        backup.onMessage(node("n1"), state(1, 0, Map.of(), 1, 1, 1, List.of()));
        RequestId a = new RequestId("c", 1);
        RequestId b = new RequestId("c", 2);
        List<Send> out = backup.onMessage(node("n1"), new Replicate(1, 2, b, Command.put("x", "2")));
        assertEquals(new Ack(1, 0, 1), out.getFirst().message(), "seq 2 waits for seq 1");
        out = backup.onMessage(node("n1"), new Replicate(1, 1, a, Command.put("x", "1")));
        assertEquals(new Ack(1, 2, 1), out.getFirst().message());
        assertEquals("2", backup.data().get("x"));
        backup.onMessage(node("n1"), new Replicate(1, 1, a, Command.put("x", "1")));
        assertEquals("2", backup.data().get("x"), "a duplicate is not applied again");
        backup.onMessage(OPERATOR, new NewView(new View(2, "n1", List.of("n2"))));
        assertTrue(backup.onMessage(node("n1"), new Replicate(1, 3, new RequestId("c", 3), Command.put("x", "3")))
                .isEmpty(), "a message of view 1 is refused in view 2");
        assertEquals("2", backup.data().get("x"));
    }

    @Test
    void aNodeThatRestartedEmptyRefusesToLeadEvenTheFirstView() {
        Replica restarted = new Replica("n1", 2, ReplicaConfig.defaults());
        restarted.onMessage(OPERATOR, new NewView(new View(5, "n1", List.of("n2"))));
        assertNull(restarted.view(), "it would lead with none of the acknowledged writes");
        // The cluster's first view, arriving late (the simulator found this): still no.
        restarted.onMessage(OPERATOR, new NewView(new View(1, "n1", List.of("n2"))));
        assertNull(restarted.view());
        Replica founding = Replica.founding("n1", 1, ReplicaConfig.defaults());
        founding.onMessage(OPERATOR, new NewView(new View(1, "n1", List.of("n2"))));
        assertTrue(founding.isPrimary(), "a node of a brand-new cluster may start it");
    }

    @Test
    void aRestartedBackupIgnoresStateMeantForItsEarlierLifeAndIsCountedAfresh() {
        TestNetwork net = started();
        net.request("c", "n1", 1, Command.put("x", "1"));
        // n3 restarts empty (life 2) and learns view 1 again; a late state transfer for its first life arrives.
        net.nodes.put("n3", new Replica("n3", 2, ReplicaConfig.defaults()));
        net.send(OPERATOR, node("n3"), new NewView(new View(1, "n1", List.of("n2", "n3"))));
        net.send(node("n1"), node("n3"), state(1, 0, Map.of(), 1, 1, 99, List.of()));
        net.deliverAll();
        assertEquals("1", net.nodes.get("n3").data().get("x"), "it got the current state, for its new life");
        assertTrue(net.nodes.get("n3").isSynced());
    }

    @Test
    void aNodeChosenInAnEarlierLifeRefusesToLead() {
        Replica n1 = Replica.founding("n1", 3, ReplicaConfig.defaults());
        n1.onMessage(OPERATOR, new NewView(new View(1, "n1", List.of(), 2)));
        assertNull(n1.view(), "the view was meant for life 2");
        n1.onMessage(OPERATOR, new NewView(new View(1, "n1", List.of(), 3)));
        assertTrue(n1.isPrimary());
    }

    @Test
    void aBackupTakesReplicationAndStateOnlyFromItsOwnViewsPrimary() {
        // Over HTTP two different views can share a number; the sender is checked as well (R4).
        Replica backup = new Replica("n2", 1, ReplicaConfig.defaults());
        backup.onMessage(OPERATOR, new NewView(new View(4, "n1", List.of("n2"))));
        assertTrue(backup.onMessage(node("n3"), state(4, 9, Map.of("x", "forged"), 1, 1, 1, List.of()))
                .isEmpty(), "a transfer from another primary of 'view 4'");
        assertTrue(!backup.isSynced() && backup.data().isEmpty());
        backup.onMessage(node("n1"), state(4, 0, Map.of(), 1, 1, 1, List.of()));
        assertTrue(backup.isSynced());
        assertTrue(backup.onMessage(node("n3"), new Replicate(4, 1, new RequestId("c", 1), Command.put("x", "1")))
                .isEmpty(), "no acknowledgement to a primary that is not ours");
        assertNull(backup.data().get("x"));
        assertEquals(new Ack(4, 1, 1), backup.onMessage(node("n1"), new Replicate(4, 1, new RequestId("c", 1),
                Command.put("x", "1"))).getFirst().message());
    }

    /** A backup that missed operations gets only those, when its primary's log passed through the state it holds. */
    @Test
    void aBackupThatMissedOperationsGetsOnlyThoseByLogSuffix() {
        TestNetwork net = started();
        for (int i = 1; i <= 5; i++) {
            net.request("c", "n1", i, Command.put("x", "before " + i));
        }
        net.disconnect(OPERATOR, node("n3"));
        net.disconnect(node("n1"), node("n3"));
        net.install(new View(2, "n1", List.of("n2")));
        for (int i = 1; i <= 100; i++) {
            assertEquals(Result.Status.UPDATED, net.request("d", "n1", i, Command.put("x", "missed " + i)).status());
        }
        net.reconnectAll();
        int seen = net.delivered(Message.CatchUp.class).size();
        net.install(new View(3, "n1", List.of("n2", "n3")));
        net.tick(ReplicaConfig.defaults().retransmitTicks());
        List<Message.CatchUp> all = net.delivered(Message.CatchUp.class);
        List<Message.CatchUp> catchUps = all.subList(seen, all.size());
        List<Message.CatchUp> toN3 = catchUps.stream().filter(c -> c.incarnation() == 1 && c.ops().size() > 0)
                .toList();
        assertTrue(catchUps.stream().noneMatch(Message.CatchUp::full), "no full transfer: " + catchUps);
        assertEquals(100, toN3.stream().mapToInt(c -> c.ops().size()).sum(), "exactly the 100 it missed");
        assertEquals("missed 100", net.nodes.get("n3").data().get("x"));
        assertTrue(net.nodes.get("n3").isSynced());
        assertEquals(Result.Status.UPDATED, net.request("d", "n1", 101, Command.put("x", "after")).status());
    }

    /**
     * A full transfer is received into a copy: the backup keeps the complete state it held (and may lead with it)
     * until the last batch (found in review: dropping it at the first batch left the primary the only holder of
     * acknowledged writes while the transfer ran).
     */
    @Test
    void aFullTransferReplacesTheBackupsStateOnlyWhenComplete() {
        Replica backup = new Replica("n2", 1, ReplicaConfig.defaults());
        backup.onMessage(OPERATOR, new NewView(new View(1, "n1", List.of("n2"))));
        backup.onMessage(node("n1"), state(1, 10, Map.of("x", "old"), 1, 1, 1, List.of(new ChainId("n1", 1, 1))));
        assertTrue(backup.isSynced() && backup.mayLead());
        backup.onMessage(OPERATOR, new NewView(new View(2, "n1", List.of("n2"))));
        ChainId newer = new ChainId("n1", 1, 2);
        List<Send> out = backup.onMessage(node("n1"), new Message.CatchUp(2, 1, 1, 7, 0, 20, true, null, List.of(),
                Map.of(), new TreeMap<>(Map.of("a", "1")), false, false, List.of(newer)));
        assertEquals(new Message.CatchUpAck(2, 1, 7, 0, null, 0), out.getLast().message());
        assertEquals(Map.of("x", "old"), backup.data(), "the state it held, whole, until the transfer completes");
        assertTrue(backup.mayLead());
        backup.onMessage(node("n1"), new Message.CatchUp(2, 1, 1, 7, 1, 20, true, null, List.of(new LoggedOp(21, newer,
                new RequestId("c", 9), Command.put("a", "2"), new Result(Result.Status.UPDATED, null, null, 21,
                null))), Map.of(), new TreeMap<>(Map.of("x", "new")), true, true, List.of(newer)));
        assertEquals(Map.of("a", "2", "x", "new"), backup.data(), "an operation on a key received applies to it");
        assertEquals(21, backup.appliedSeq());
        assertTrue(backup.isSynced());
    }

    /** A large store goes in several batches, each bounded, and arrives whole. */
    @Test
    void aLargeStoreIsStreamedInBoundedBatches() {
        TestNetwork net = TestNetwork.of("n1");
        Map<String, String> store = new TreeMap<>();
        for (int i = 0; i < 30_000; i++) {
            store.put("key" + i, "value-" + i + "-0123456789");
        }
        net.nodes.get("n1").load(store);
        net.nodes.put("n2", new Replica("n2", 1, ReplicaConfig.defaults()));
        net.install(new View(1, "n1", List.of("n2")));
        net.tick(ReplicaConfig.defaults().retransmitTicks());
        assertEquals(store, net.nodes.get("n2").data());
        List<Message.CatchUp> batches = net.delivered(Message.CatchUp.class);
        assertTrue(batches.size() > 3, batches.size() + " batches");
        assertTrue(batches.stream().allMatch(c -> Sizes.of(c) < 2 * CatchUpStream.BATCH_BYTES));
        assertEquals(Result.Status.UPDATED, net.request("c", "n1", 1, Command.put("key7", "v")).status());
    }
}
