package kvstore.node.server;

import com.fasterxml.jackson.databind.JsonNode;
import kvstore.core.Ballot;
import kvstore.core.Message;
import kvstore.core.Message.Accept;
import kvstore.core.Message.Prepare;
import kvstore.core.Message.Refused;
import kvstore.core.MessageCodec;
import kvstore.core.View;
import kvstore.core.control.Controller;
import kvstore.core.control.ControllerConfig;
import kvstore.node.control.ControllerHost;
import kvstore.node.control.ControllerObservability;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The failover controller over real HTTP (ControllerHost against Helidon nodes on loopback): it installs the
 * first view, replaces a dead primary, and takes a restarted node back. Plus the controller endpoints' answers
 * to bad input.
 */
class ControllerFailoverTest {
    private final List<String> notes = new CopyOnWriteArrayList<>();

    private int metricsPort; // the controller's /metrics

    private ControllerHost controllerFor(TestCluster cluster) {
        Map<String, String> addresses = new TreeMap<>();
        for (long id : cluster.ids()) {
            addresses.put(String.valueOf(id), cluster.address(id));
        }
        ControllerObservability metrics = new ControllerObservability("test-ctl", TestCluster.TICK,
                new Controller.Events() {
                    @Override
                    public void note(String text) {
                        notes.add(text);
                    }
                });
        ControllerHost host = new ControllerHost("test-ctl", addresses, null, null, TestCluster.TICK,
                ControllerConfig.defaults(), metrics);
        host.closeWith(metrics);
        metricsPort = metrics.serve("127.0.0.1", 0);
        return host;
    }

    private String controllerMetrics() {
        Http.Response r = Http.send("GET", "127.0.0.1:" + metricsPort, "/metrics", null);
        assertEquals(200, r.status());
        return new String(r.bytes(), java.nio.charset.StandardCharsets.UTF_8);
    }

    private static JsonNode view(TestCluster cluster, long id) {
        return Http.send("GET", cluster.address(id), "/view", null).body();
    }

    /** Waits until one node leads a view of {@code size} members, all synced; returns the primary's id. */
    private long awaitPrimaryOfSize(TestCluster cluster, int size, long... live) {
        long[] primary = new long[1];
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            primary[0] = 0;
            for (long id : live) {
                JsonNode v = view(cluster, id);
                if (v.path("role").asText().equals("primary") && v.path("view").size() == size) {
                    primary[0] = id;
                }
            }
            assertNotEquals(0, primary[0], () -> "no primary of " + size + " yet: " + notes);
            for (long id : live) {
                assertTrue(view(cluster, id).path("synced").asBoolean(), "node " + id + " synced");
            }
        });
        return primary[0];
    }

    @Test
    void theControllerInstallsTheFirstViewReplacesADeadPrimaryAndTakesItBack() {
        try (TestCluster cluster = TestCluster.start(3); ControllerHost ignored = controllerFor(cluster)) {
            long primary = awaitPrimaryOfSize(cluster, 3, 1, 2, 3);
            assertEquals(201, Http.put(cluster.address(primary), "x", "1").status());

            long[] survivors = java.util.Arrays.stream(cluster.ids()).filter(id -> id != primary).toArray();
            cluster.stop(primary);
            long killedAt = System.nanoTime();
            await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(5)).until(
                    () -> Http.put(cluster.address(survivors[0]), "y", "2").status() / 100 == 2);
            System.out.printf("first successful write %d ms after the primary stopped%n",
                    (System.nanoTime() - killedAt) / 1_000_000);
            long next = awaitPrimaryOfSize(cluster, 2, survivors);
            assertNotEquals(primary, next);
            assertEquals("1", Http.get(cluster.address(survivors[1]), "x").body().path("value").asText(),
                    "the write acknowledged before the failover survived it");
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
                String metrics = controllerMetrics();
                assertTrue(metrics.contains("kv_controller_views_decided_total{controller=\"test-ctl\","
                        + "scope=\"application\",} 2.0"), "the first view and the failover's: " + metrics);
                assertTrue(metrics.contains("kv_controller_view_change_duration_seconds_count{controller=\"test-ctl\","
                        + "scope=\"application\",} 2.0"), "both established, and timed: " + metrics);
                assertTrue(metrics.contains("kv_controller_view_epoch{controller=\"test-ctl\",scope=\"application\",} "
                        + view(cluster, next).path("epoch").asLong() + ".0"), metrics);
            });

            cluster.restartOnSamePort(primary);
            awaitPrimaryOfSize(cluster, 3, cluster.ids());
            JsonNode state = Http.send("GET", cluster.address(primary), "/view/state", null).body();
            assertTrue(state.path("voter").asBoolean(), "the restarted node votes again: " + state);
            assertEquals("2", Http.get(cluster.address(primary), "y").body().path("value").asText());
        }
    }

    /**
     * The common path: an operator set the cluster up by hand with PUT /view, then turns on automatic failover.
     * The nodes report the operator's view as promised by no controller ("controller": ""); the controller must
     * read that and fail over when the primary dies.
     */
    @Test
    void aClusterSetUpByAnOperatorIsHandedToAController() {
        try (TestCluster cluster = TestCluster.startWithView(3)) {
            assertEquals(201, Http.put(cluster.address(2), "x", "by hand").status());
            JsonNode state = Http.send("GET", cluster.address(1), "/view/state", null).body();
            assertEquals("", state.path("promised").path("controller").asText(null), state::toString);
            try (ControllerHost ignored = controllerFor(cluster)) {
                cluster.stop(1);
                long next = awaitPrimaryOfSize(cluster, 2, 2, 3);
                assertNotEquals(1, next);
                assertEquals("by hand", Http.get(cluster.address(5 - next), "x").body().path("value").asText());
                assertEquals(201, Http.put(cluster.address(next), "y", "after").status());
            }
            assertTrue(notes.stream().noneMatch(n -> n.contains("a ballot needs")), notes::toString);
        }
    }

    /**
     * A controller's batches on the one endpoint: malformed ones are refused with the problem named and change no
     * vote; a stale prepare is answered, in the response, with a refusal.
     */
    @Test
    void aControllersBadBatchesAreRefusedWithoutChangingTheVote() {
        try (TestCluster cluster = TestCluster.startWithView(1)) {
            String node = cluster.address(1);
            byte[] accept = MessageCodec.encode(List.of(new Accept(new Ballot(5, "c"),
                    new View(5, "1", List.of("2", "3"), 1, 0), 0)));
            int viewAt = 1 + 4 + 1 + 8 + 4 + 1; // version, count, type, then the ballot: its number and "c"
            byte[] otherNumber = accept.clone();
            otherNumber[viewAt + 7] = 4; // the view's number, the last of its 8 bytes: 5 becomes 4
            byte[] twice = accept.clone();
            twice[viewAt + 8 + 4 + 1 + 4 + 4 + 1 + 4] = '2'; // after number, "1", the count and "2": "3" becomes "2"
            byte[] zeroBallot = MessageCodec.encode(List.of(new Prepare(new Ballot(5, "c"))));
            zeroBallot[1 + 4 + 1 + 7] = 0;
            Object[][] cases = {
                {otherNumber, "the view's number must be the ballot's"},
                {twice, "a backup is listed twice"},
                {zeroBallot, "a ballot number is positive"},
            };
            for (Object[] c : cases) {
                Http.Response r = fromController(node, (byte[]) c[0]);
                assertEquals(400, r.status(), () -> c[1] + " -> " + r);
                assertTrue(r.error().contains((String) c[1]), () -> c[1] + " -> " + r.error());
            }
            Http.Response nobody = Http.sendBytes("POST", node, MessagesEndpoint.PATH, accept, "Content-Type",
                    MessageCodec.MEDIA_TYPE);
            assertTrue(nobody.status() == 400 && nobody.error().contains("expected the sender"), nobody::toString);
            JsonNode state = Http.send("GET", node, "/view/state", null).body();
            assertEquals(1, state.path("promised").path("number").asLong(), "nothing was promised: " + state);
            assertFalse(state.path("fenced").asBoolean());

            Http.Response stale = fromController(node, MessageCodec.encode(List.of(new Prepare(new Ballot(1, "c")))));
            assertEquals(200, stale.status(), stale::toString);
            List<Message> answers = MessageCodec.decode(stale.bytes());
            assertTrue(answers.size() == 1 && answers.getFirst() instanceof Refused, answers::toString);
        }
    }

    @Test
    void aControllersBatchesNeedTheClusterToken() {
        try (TestCluster cluster = TestCluster.startWithToken(1, "secret")) {
            Http.Response r = fromController(cluster.address(1),
                    MessageCodec.encode(List.of(new Prepare(new Ballot(5, "c")))));
            assertEquals(401, r.status(), r::toString);
        }
    }

    private static Http.Response fromController(String node, byte[] batch) {
        return Http.sendBytes("POST", node, MessagesEndpoint.PATH, batch, "Content-Type", MessageCodec.MEDIA_TYPE,
                MessagesEndpoint.FROM_CONTROLLER, "c");
    }
}
