package kvstore.node.server;

import kvstore.checker.report.TextReport;
import kvstore.checker.search.CheckResult;
import kvstore.checker.search.Verdict;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The original Python prototype's test scenarios, against real nodes on loopback. */
class PrototypeScenariosTest {

    @Test
    void writesThroughOneNodeAreSeenThroughEveryOther() {
        try (TestCluster cluster = TestCluster.startWithView(3)) {
            for (long writer : cluster.ids()) {
                for (int i = 0; i < 5; i++) {
                    assertEquals(201, Http.put(cluster.address(writer), "w" + writer + "-" + i, "x" + i).status());
                }
            }
            for (long reader : cluster.ids()) {
                for (long writer : cluster.ids()) {
                    for (int i = 0; i < 5; i++) {
                        Http.Response r = Http.get(cluster.address(reader), "w" + writer + "-" + i);
                        assertEquals("x" + i, r.body().path("value").asText(), () -> "through node " + reader);
                    }
                }
                assertEquals(15, Http.getAll(cluster.address(reader)).body().size());
            }
        }
    }

    @Test
    void eachNodeIsolatedIntoAOneNodeViewStillHoldsEveryAcknowledgedValue() {
        try (TestCluster cluster = TestCluster.startWithView(3)) {
            Map<String, String> acknowledged = new HashMap<>();
            for (int i = 0; i < 20; i++) {
                String key = "k" + i;
                Http.Response r = Http.put(cluster.address(1 + i % 3), key, "v" + i);
                assertEquals(201, r.status(), r::toString);
                acknowledged.put(key, "v" + i);
            }
            for (long id : cluster.ids()) {
                cluster.putView(cluster.viewDocument(id), id); // every node alone, its own primary
            }
            for (long id : cluster.ids()) {
                Http.Response all = Http.getAll(cluster.address(id));
                assertEquals(200, all.status(), all::toString);
                for (Map.Entry<String, String> e : acknowledged.entrySet()) {
                    assertEquals(e.getValue(), all.body().path(e.getKey()).asText(null),
                            "node " + id + " alone lost " + e.getKey());
                }
            }
            // Alone, each serves on its own: a write to one is not seen by another.
            assertEquals(200, Http.put(cluster.address(1), "k0", "only-on-1").status());
            assertEquals("v0", Http.get(cluster.address(2), "k0").body().path("value").asText());
        }
    }

    @Test
    void aClusterSplitIntoTwoViewsServesEachHalfIndependently() {
        try (TestCluster cluster = TestCluster.startWithView(4)) {
            assertEquals(201, Http.put(cluster.address(4), "shared", "before").status());
            cluster.putView(cluster.viewDocument(1, 2), 1, 2);
            cluster.putView(cluster.viewDocument(3, 4), 3, 4);
            cluster.awaitSynced(1, 2, 3, 4);

            assertEquals(200, Http.put(cluster.address(2), "shared", "left").status());
            assertEquals(200, Http.put(cluster.address(4), "shared", "right").status());
            assertEquals(201, Http.put(cluster.address(1), "left-only", "l").status());
            for (long id : new long[]{1, 2}) {
                assertEquals("left", Http.get(cluster.address(id), "shared").body().path("value").asText());
                assertEquals(200, Http.get(cluster.address(id), "left-only").status());
            }
            for (long id : new long[]{3, 4}) {
                assertEquals("right", Http.get(cluster.address(id), "shared").body().path("value").asText());
                assertEquals(404, Http.get(cluster.address(id), "left-only").status());
            }
            assertEquals("primary", Http.send("GET", cluster.address(3), "/view", null).body()
                    .path("role").asText(), "the lowest id of the right half leads it");
        }
    }

    /**
     * The first scenario: a view naming a member nobody listens at. The primary learns from the refused
     * connection that it is unreachable and refuses writes at once; a refused write never takes effect, not even
     * after a view without the dead member.
     */
    @Test
    void aWriteRefusedForADeadMemberIsRefusedAtOnceAndNeverTakesEffect() {
        try (TestCluster cluster = TestCluster.start(2)) {
            long[] millis = refusedWrites(cluster, "127.0.0.1:1", "dead", 5);
            assertTrue(Arrays.stream(millis).skip(1).allMatch(ms -> ms < 500),
                    () -> "refused at once, not after the replication timeout: " + Arrays.toString(millis));
            assertEquals(201, Http.put(cluster.address(1), "dead0", "accepted").status());
        }
    }

    /**
     * A member that accepts connections but never answers (a paused process): the first write waits for the
     * failure-detection time, unordered, and is refused; later ones are refused at once. None takes effect.
     */
    @Test
    void aWriteRefusedForASilentMemberWaitsOnlyTheDetectionTimeAndNeverTakesEffect() throws Exception {
        try (TestCluster cluster = TestCluster.start(2);
             java.net.ServerSocket silent = new java.net.ServerSocket(0, 50,
                     java.net.InetAddress.getLoopbackAddress())) {
            long[] millis = refusedWrites(cluster, "127.0.0.1:" + silent.getLocalPort(), "silent", 4);
            long detection = TestCluster.TIMEOUTS.failureDetectionTicks() * TestCluster.TICK.toMillis();
            assertTrue(millis[0] <= detection + 500, () -> "the first waits about the detection time, "
                    + detection + " ms: " + Arrays.toString(millis));
            assertTrue(Arrays.stream(millis).skip(1).allMatch(ms -> ms < 200), () -> Arrays.toString(millis));
        }
    }

    /**
     * Installs the view of nodes 1 and 2 and a third member at {@code third}, writes {@code n} keys at the primary,
     * each of which must get 503 {@code "applied": false}, then installs the view of 1 and 2 and checks that none
     * of the writes took effect. Returns how long each refusal took, in milliseconds.
     */
    private static long[] refusedWrites(TestCluster cluster, String third, String what, int n) {
        String doc = "{\"view\": [{\"address\": \"" + cluster.address(1) + "\", \"id\": 1}, {\"address\": \""
                + cluster.address(2) + "\", \"id\": 2}, {\"address\": \"" + third + "\", \"id\": 3}]}";
        cluster.putView(doc, 1, 2);
        long[] millis = new long[n];
        for (int i = 0; i < n; i++) {
            long start = System.nanoTime();
            Http.Response r = Http.put(cluster.address(1), what + i, "refused");
            millis[i] = (System.nanoTime() - start) / 1_000_000;
            assertEquals(503, r.status(), r::toString);
            assertEquals(false, r.body().path("applied").asBoolean(true), () -> "certainly not applied: " + r);
        }
        System.out.println("503 with a " + what + " member in the view, ms per write: " + Arrays.toString(millis));
        cluster.installView(1, 2);
        for (int i = 0; i < n; i++) {
            assertEquals(404, Http.get(cluster.address(2), what + i).status(), "the refused write took effect");
        }
        return millis;
    }

    /**
     * The second scenario: after one-node and split views, the operator sends the view of all four nodes to
     * each of them (epoch-less, so the members number it from epochs that had diverged, and renumber it among
     * themselves afterwards). Once every PUT /view has answered 200, no client gets 503.
     */
    @Test
    void afterACleanViewInstallNoClientGets503WhileTheMembersRenumberIt() throws Exception {
        long seed = System.nanoTime();
        Random random = new Random(seed);
        try (TestCluster cluster = TestCluster.startWithView(4);
             ExecutorService clients = Executors.newFixedThreadPool(5)) {
            for (int round = 0; round < 3; round++) {
                for (long id : cluster.ids()) {
                    cluster.putView(cluster.viewDocument(id), id); // every node alone
                }
                for (int i = 0; i < random.nextInt(3); i++) {
                    assertEquals(2, Http.put(cluster.address(1 + random.nextInt(4)), "k", "alone").status() / 100);
                }
                cluster.putView(cluster.viewDocument(1, 2), 1, 2);
                cluster.putView(cluster.viewDocument(3, 4), 3, 4);
                cluster.putView(cluster.viewDocument(1, 2, 3, 4), 1, 2, 3, 4);
                List<Future<List<String>>> results = new ArrayList<>();
                for (int c = 0; c < 5; c++) {
                    int client = c;
                    int r = round;
                    results.add(clients.submit(() -> {
                        Random mine = new Random(seed + 31L * client + r);
                        List<String> unexpected = new ArrayList<>();
                        for (int i = 0; i < 25; i++) {
                            String at = cluster.address(1 + mine.nextInt(4));
                            Http.Response resp = mine.nextBoolean() ? Http.put(at, "k", "c" + client + "-" + i)
                                    : Http.get(at, "k");
                            if (!List.of(200, 201, 404).contains(resp.status())) {
                                unexpected.add(resp.toString());
                            }
                        }
                        return unexpected;
                    }));
                }
                for (Future<List<String>> f : results) {
                    List<String> unexpected = f.get();
                    assertTrue(unexpected.isEmpty(), () -> "round " + r(seed) + ": " + unexpected);
                }
            }
        }
    }

    private static String r(long seed) {
        return "seed " + seed;
    }

    /** One acknowledged operation on the shared key, by its position in the primary's order. */
    private record Ordered(long msgNum, boolean write, String value) {
    }

    @Test
    void concurrentClientsThroughRandomNodesGiveOneTotalOrderEveryNodeAgreesOn() throws Exception {
        long seed = System.nanoTime();
        try (TestCluster cluster = TestCluster.startWithView(3);
             ExecutorService clients = Executors.newFixedThreadPool(4)) {
            RecordedHistory history = new RecordedHistory();
            List<Future<List<Ordered>>> results = new ArrayList<>();
            for (int c = 0; c < 4; c++) {
                int client = c;
                results.add(clients.submit(() -> {
                    Random random = new Random(seed + client);
                    List<Ordered> seen = new ArrayList<>();
                    for (int i = 0; i < 30; i++) {
                        String at = cluster.address(1 + random.nextInt(3));
                        boolean write = random.nextBoolean();
                        String value = "c" + client + "-" + i;
                        Http.Response r = write ? history.put("" + client, at, "x", value)
                                : history.get("" + client, at, "x");
                        assertTrue(r.status() != 503, () -> "healthy cluster refused: " + r);
                        seen.add(new Ordered(r.msgNum(), write, write ? value
                                : r.status() == 404 ? null : r.body().path("value").asText()));
                    }
                    return seen;
                }));
            }
            List<Ordered> all = new ArrayList<>();
            for (Future<List<Ordered>> f : results) {
                all.addAll(f.get());
            }
            Set<Long> positions = new HashSet<>();
            all.forEach(o -> assertTrue(positions.add(o.msgNum()), "two operations at Msg-Num " + o.msgNum()));

            // Replayed in Msg-Num order, every read returns the latest write before it: one total order.
            all.sort(java.util.Comparator.comparingLong(Ordered::msgNum));
            String register = null;
            for (Ordered o : all) {
                if (o.write()) {
                    register = o.value();
                } else {
                    assertEquals(register, o.value(), "read at Msg-Num " + o.msgNum() + " (seed " + seed + ")");
                }
            }
            for (long id : cluster.ids()) {
                Http.Response last = Http.get(cluster.address(id), "x");
                assertEquals(register, last.body().path("value").asText(null), "node " + id + " disagrees");
            }
            CheckResult check = history.check();
            assertEquals(Verdict.LINEARIZABLE, check.verdict(), () -> String.join("\n",
                    TextReport.lines("recorded history (seed " + seed + ")", check)));
        }
    }

    @Test
    void aWriteRacingAViewChangeIsVisibleInTheNewViewOrWasNeverAcknowledged() throws Exception {
        try (TestCluster cluster = TestCluster.startWithView(3);
             ExecutorService writers = Executors.newFixedThreadPool(3)) {
            List<Future<Map<String, String>>> acked = new ArrayList<>();
            java.util.concurrent.CountDownLatch started = new java.util.concurrent.CountDownLatch(3);
            for (long w = 1; w <= 3; w++) {
                long writer = w;
                acked.add(writers.submit(() -> {
                    Map<String, String> ok = new HashMap<>();
                    started.countDown();
                    for (int i = 0; i < 40; i++) {
                        String key = "race-" + writer + "-" + i;
                        Http.Response r = Http.put(cluster.address(writer), key, "v" + i);
                        if (r.status() == 201) {
                            ok.put(key, "v" + i);
                        } else {
                            assertEquals(503, r.status(), r::toString);
                            assertEquals(true, r.body().path("retryable").asBoolean(), r::toString);
                        }
                    }
                    return ok;
                }));
            }
            started.await();
            // Node 1 (the primary) is dropped while the writes run: node 2 leads the view {2, 3}.
            cluster.putView(cluster.viewDocument(2, 3), 2, 3);
            cluster.putView(cluster.viewDocument(2, 3), 1);
            Map<String, String> acknowledged = new HashMap<>();
            for (Future<Map<String, String>> f : acked) {
                acknowledged.putAll(f.get());
            }
            cluster.awaitSynced(2, 3);
            Http.Response all = Http.getAll(cluster.address(3));
            assertEquals(200, all.status(), all::toString);
            for (Map.Entry<String, String> e : acknowledged.entrySet()) {
                assertEquals(e.getValue(), all.body().path(e.getKey()).asText(null),
                        "acknowledged " + e.getKey() + " is missing from the new view");
            }
            assertNotEquals(0, acknowledged.size(), "some writes were acknowledged");
            Http.Response deposed = Http.put(cluster.address(1), "after", "x");
            assertEquals(503, deposed.status(), "node 1 is not in the view any more: " + deposed);
        }
    }
}
