package kvstore.node.server;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The scenarios of the prototype's public graders (its course test bench and the CSE138 community suites), against
 * fresh node processes started as those graders start them: views without epochs sent to each member in turn,
 * traffic right after, one-node and split views, nodes disconnected and reconnected with their state (SIGSTOP and
 * SIGCONT here, where the graders disconnect a container from the network), the primary changed twice, concurrent
 * clients on one key. The statuses are the prototype's: 201 created, 200 updated or found, 404 not found, and 200
 * for every view. One deliberate difference: a write that cannot reach every backup is refused at once (503; the
 * primary says {@code "applied": false} itself), where the prototype's clients waited for a timeout.
 */
@Tag("processes") // real node processes: the integration-test phase (pom.xml)
class GraderScenariosTest {

    private static String testName(TestInfo info) {
        return info.getTestMethod().orElseThrow().getName();
    }

    private static String value(Http.Response r) {
        return r.body().path("value").asText(null);
    }

    @Test
    void putGetAndUpdateThroughEitherNode(TestInfo info) {
        try (NodeProcesses nodes = NodeProcesses.start(2, testName(info))) {
            nodes.sendView(1, 2);
            assertEquals(201, Http.put(nodes.address(1), "a", "hello").status());
            assertEquals("hello", value(Http.get(nodes.address(1), "a")));
            assertEquals(200, Http.put(nodes.address(2), "a", "world").status(), "an update through the backup");
            assertEquals("world", value(Http.get(nodes.address(2), "a")));
            assertEquals("world", value(Http.get(nodes.address(1), "a")));
            assertEquals(404, Http.get(nodes.address(2), "missing").status());
        }
    }

    /** The graders number their nodes from 0 (NODE_IDENTIFIER=0, "id": 0): node 0 leads, as the lowest id. */
    @Test
    void nodesNumberedFromZeroAsTheGradersNumberThem(TestInfo info) {
        try (NodeProcesses nodes = NodeProcesses.start(0, 2, testName(info))) {
            nodes.sendView(0, 1);
            assertEquals("primary", Http.send("GET", nodes.address(0), "/view", null).body().path("role").asText());
            assertEquals(201, Http.put(nodes.address(1), "a", "hello").status());
            assertEquals("hello", value(Http.get(nodes.address(0), "a")));
            nodes.sendView(1);
            assertEquals("hello", value(Http.get(nodes.address(1), "a")), "node 1 alone");
        }
    }

    /**
     * The first scenario on separate processes: a view naming a member nobody listens at; writes are refused
     * at once and none of them appears once a view without that member is installed.
     */
    @Test
    void writesRefusedForADeadMemberNeverTakeEffect(TestInfo info) {
        try (NodeProcesses nodes = NodeProcesses.start(1, 2, testName(info))) {
            // First a view of the two, so that node 1 holds the cluster's state: a node that never held it asks every
            // member whether the cluster is new before it leads, and a dead member cannot say.
            nodes.sendView(1, 2);
            String withDead = nodes.view(1, 2).replace("]}", ", {\"address\": \"127.0.0.1:1\", \"id\": 3}]}");
            nodes.sendViewTo(withDead, 1, 2);
            for (int i = 0; i < 3; i++) {
                Http.Response r = Http.put(nodes.address(1), "k" + i, "refused");
                assertEquals(503, r.status(), r::toString);
                assertEquals(false, r.body().path("applied").asBoolean(true), r::toString);
            }
            nodes.sendView(1, 2);
            for (int i = 0; i < 3; i++) {
                assertEquals(404, Http.get(nodes.address(2), "k" + i).status(), "a refused write took effect");
            }
        }
    }

    /**
     * The second scenario on separate processes: every node alone, then split in halves, then the view of
     * all four sent to each (the members renumber it among themselves afterwards); then five clients on one key
     * through random nodes get no 503.
     */
    @Test
    void afterOneNodeAndSplitViewsTheFullViewServesWithoutA503(TestInfo info) throws Exception {
        try (NodeProcesses nodes = NodeProcesses.start(1, 4, testName(info));
             ExecutorService clients = Executors.newFixedThreadPool(5)) {
            nodes.sendView(1, 2, 3, 4);
            for (long id : nodes.ids()) {
                nodes.sendView(id);
            }
            nodes.sendView(1, 2);
            nodes.sendView(3, 4);
            nodes.sendView(1, 2, 3, 4);
            List<Future<List<String>>> results = new ArrayList<>();
            for (int c = 0; c < 5; c++) {
                int client = c;
                results.add(clients.submit(() -> {
                    List<String> unexpected = new ArrayList<>();
                    for (int i = 0; i < 25; i++) {
                        String at = nodes.address(1 + (client + i) % 4);
                        Http.Response r = i % 2 == 0 ? Http.put(at, "k", "c" + client + "-" + i) : Http.get(at, "k");
                        if (!Set.of(200, 201, 404).contains(r.status())) {
                            unexpected.add(r.toString());
                        }
                    }
                    return unexpected;
                }));
            }
            for (Future<List<String>> f : results) {
                assertEquals(List.of(), f.get());
            }
        }
    }

    /**
     * The third scenario: nodes started with --new-cluster, a view installed by hand, then a failover
     * controller turned on; kill -9 of the primary is healed by the controller, and the write made by hand survives.
     */
    @Test
    void aClusterSetUpByHandIsHealedByAControllerTurnedOnLater(TestInfo info) {
        try (NodeProcesses nodes = NodeProcesses.start(1, 3, testName(info), "--new-cluster")) {
            nodes.sendView(1, 2, 3);
            assertEquals(201, Http.put(nodes.address(2), "x", "by hand").status());
            try (kvstore.node.control.ControllerHost ignored = kvstore.node.cli.ControllerMain.start(nodes.addresses(),
                    null, Duration.ofMillis(10))) {
                nodes.kill(1);
                await().atMost(Duration.ofSeconds(20)).until(() -> Http.put(nodes.address(2), "y", "after").status()
                        / 100 == 2);
                assertEquals("by hand", value(Http.get(nodes.address(3), "x")));
            }
        }
    }

    /** basic_kvs_shrink: every node in turn alone in a one-node view still holds the value. */
    @Test
    void eachNodeAloneInAOneNodeViewKeepsTheValue(TestInfo info) {
        try (NodeProcesses nodes = NodeProcesses.start(3, testName(info))) {
            nodes.sendView(1, 2, 3);
            assertEquals(201, Http.put(nodes.address(2), "a", "hello").status());
            for (long id : nodes.ids()) {
                nodes.sendView(id);
                assertEquals("hello", value(Http.get(nodes.address(id), "a")), "node " + id + " lost data");
            }
        }
    }

    /** basic_kvs_split and kvs_put_delete: two halves serve on their own; deletes on both sides. */
    @Test
    void aClusterSplitInHalvesServesEachHalf(TestInfo info) {
        try (NodeProcesses nodes = NodeProcesses.start(4, testName(info))) {
            nodes.sendView(1, 2, 3, 4);
            for (long id : nodes.ids()) {
                assertEquals(201, Http.put(nodes.address(id), "test" + id, "v" + id).status());
            }
            assertEquals(200, Http.delete(nodes.address(4), "test1").status());
            nodes.sendView(1, 2);
            nodes.sendView(3, 4);
            assertEquals(404, Http.get(nodes.address(1), "test1").status());
            assertEquals(201, Http.put(nodes.address(2), "left", "01").status());
            assertEquals("01", value(Http.get(nodes.address(1), "left")));
            assertEquals(201, Http.put(nodes.address(3), "right", "23").status());
            assertEquals("23", value(Http.get(nodes.address(4), "right")));
            assertEquals(404, Http.get(nodes.address(4), "left").status(), "the halves are apart");
            for (String key : List.of("test2", "test3", "test4")) {
                assertEquals(200, Http.delete(nodes.address(1), key).status());
                assertEquals(200, Http.delete(nodes.address(3), key).status());
            }
            assertEquals(Set.of("left"), fieldNames(Http.getAll(nodes.address(2))));
            assertEquals(Set.of("right"), fieldNames(Http.getAll(nodes.address(4))));
        }
    }

    private static Set<String> fieldNames(Http.Response r) {
        assertEquals(200, r.status(), r::toString);
        Set<String> names = new java.util.TreeSet<>();
        r.body().fieldNames().forEachRemaining(names::add);
        return names;
    }

    /**
     * kvs_kill_node_1 and test_kvs_size_after_killing_node: writes while a member is disconnected and no new view
     * says so are refused at once, certainly not applied, and land nowhere; reconnected, it serves again with no
     * new view; then split off alone, it agrees with the rest on what was written.
     */
    @Test
    void writesWhileAMemberIsDisconnectedAreRefusedAndLandNowhere(TestInfo info) throws Exception {
        try (NodeProcesses nodes = NodeProcesses.start(4, testName(info));
             ExecutorService clients = Executors.newFixedThreadPool(3)) {
            nodes.sendView(1, 2, 3, 4);
            for (long id : nodes.ids()) {
                assertEquals(201, Http.put(nodes.address(id), "before" + id, "x").status());
            }
            nodes.pause(4);
            awaitReportedUnreachable(nodes, 1, "4");
            List<Future<Http.Response>> writes = new ArrayList<>();
            for (long id = 1; id <= 3; id++) {
                long through = id;
                writes.add(clients.submit(() -> Http.put(nodes.address(through), "during" + through, "x")));
            }
            for (int i = 0; i < writes.size(); i++) {
                Http.Response r = writes.get(i).get();
                assertEquals(503, r.status(), r::toString);
                assertTrue(r.error().startsWith("backup 4 is unreachable"), r::toString);
                if (i == 0) { // node 1, the primary, refused it itself; nodes 2 and 3 only relay its refusal
                    assertEquals(false, r.body().path("applied").asBoolean(true), () -> "certainly not applied: " + r);
                }
            }
            nodes.resume(4);
            for (long id : nodes.ids()) {
                String through = nodes.address(id);
                await().atMost(Duration.ofSeconds(10)).until(() -> Http.put(through, "after", "x").status() / 100 == 2);
            }
            nodes.pause(3);
            awaitReportedUnreachable(nodes, 1, "3");
            assertEquals(503, Http.put(nodes.address(1), "lost", "x").status());
            nodes.resume(3);
            nodes.sendView(3);
            nodes.sendView(1, 2, 4);
            Set<String> alone = fieldNames(Http.getAll(nodes.address(3)));
            assertEquals(alone, fieldNames(Http.getAll(nodes.address(1))), "both sides hold the same keys");
            assertTrue(alone.stream().noneMatch(k -> k.startsWith("during") || k.equals("lost")), alone::toString);
        }
    }

    /**
     * The primary takes a disconnected backup for unreachable after the failure-detection time (500 ms): a write
     * ordered before that, right after the disconnect, can only end with an unknown outcome (as the prototype's
     * timed-out writes did); from then on, writes are refused at once. Its state shows when.
     */
    private static void awaitReportedUnreachable(NodeProcesses nodes, long primary, String backup) {
        await().atMost(Duration.ofSeconds(10)).until(() -> Http.send("GET", nodes.address(primary), "/view/state",
                null).body().path("laggingBackups").toString().contains("\"" + backup + "\""));
    }

    /**
     * test_concurrent_writes and test_concurrent_puts_and_deletes: concurrent clients on one key through several
     * nodes get only the prototype's statuses, right after the view of all nodes was sent again; every node, put
     * alone in a one-node view, then holds the same value.
     */
    @Test
    void concurrentClientsOnOneKeyThenEveryNodeAloneHoldsTheSameValue(TestInfo info) throws Exception {
        try (NodeProcesses nodes = NodeProcesses.start(3, testName(info));
             ExecutorService clients = Executors.newFixedThreadPool(4)) {
            for (int round = 0; round < 5; round++) {
                nodes.sendView(1, 2, 3); // the same view again: the members renumber it, traffic must not notice
                List<Future<Http.Response>> statuses = new ArrayList<>();
                for (int c = 0; c < 4; c++) {
                    long through = 1 + c % 2;
                    String v = "r" + round + "c" + c;
                    boolean delete = round % 2 == 1 && c == 3;
                    statuses.add(clients.submit(() -> delete ? Http.delete(nodes.address(through), "k")
                            : Http.put(nodes.address(through), "k", v)));
                }
                for (Future<Http.Response> s : statuses) {
                    Http.Response r = s.get();
                    assertTrue(Set.of(200, 201, 404).contains(r.status()), r + " in round " + round);
                }
                Http.Response read = Http.get(nodes.address(1), "k");
                assertTrue(Set.of(200, 404).contains(read.status()), read::toString);
                String agreed = value(read);
                for (long id : nodes.ids()) {
                    nodes.sendView(id);
                    assertEquals(agreed, value(Http.get(nodes.address(id), "k")), "node " + id + " alone");
                    nodes.sendView(1, 2, 3);
                }
            }
        }
    }

    /** advanced_view_changes: the primary changes twice; new nodes join; every key stays readable everywhere. */
    @Test
    void thePrimaryChangesTwiceAndEveryKeyStaysReadable(TestInfo info) {
        try (NodeProcesses nodes = NodeProcesses.start(5, testName(info))) {
            nodes.sendView(1, 2, 3);
            for (int i = 0; i < 3; i++) {
                assertEquals(201, Http.put(nodes.address(1 + i), "first" + i, "v" + i).status());
            }
            nodes.sendView(2, 3, 4); // node 1, the primary, is left out and not told; node 4 is new
            for (long id : new long[] {2, 3, 4}) {
                for (int i = 0; i < 3; i++) {
                    assertEquals("v" + i, value(Http.get(nodes.address(id), "first" + i)), "node " + id);
                }
            }
            assertEquals(201, Http.put(nodes.address(2), "second", "w").status());
            nodes.sendView(3, 4, 5);
            for (long id : new long[] {3, 4, 5}) {
                assertEquals("w", value(Http.get(nodes.address(id), "second")), "node " + id);
                assertEquals("v0", value(Http.get(nodes.address(id), "first0")), "node " + id);
            }
            assertEquals(503, Http.put(nodes.address(1), "stale", "x").status(), "the old primary acknowledges nothing");
        }
    }

    /**
     * advanced_node_recovery: a disconnected backup is left out and taken back with everything; then the primary is
     * disconnected and replaced, and when it comes back the view of all nodes names it primary again (the lowest
     * id), although it missed writes. The writes made without it must survive.
     */
    @Test
    void aReplacedPrimaryBackAsTheLowestIdDoesNotLoseWhatWasWrittenWithoutIt(TestInfo info) {
        try (NodeProcesses nodes = NodeProcesses.start(4, testName(info))) {
            nodes.sendView(1, 2, 3, 4);
            assertEquals(201, Http.put(nodes.address(1), "initial", "a").status());
            nodes.pause(2);
            nodes.sendView(1, 3, 4);
            assertEquals(201, Http.put(nodes.address(1), "while2away", "b").status());
            nodes.resume(2);
            nodes.sendView(1, 2, 3, 4);
            assertEquals("b", value(Http.get(nodes.address(2), "while2away")));
            nodes.pause(1);
            nodes.sendView(2, 3, 4);
            assertEquals(201, Http.put(nodes.address(2), "after_primary_failure", "c").status());
            nodes.resume(1);
            nodes.sendViewTo(nodes.view(1, 2, 3, 4), 1, 2, 3, 4);
            for (long id : nodes.ids()) {
                Http.Response r = Http.get(nodes.address(id), "after_primary_failure");
                assertEquals("c", value(r), () -> "node " + id + " lost an acknowledged write: " + r);
            }
        }
    }
}
