package kvstore.node.server;

import com.fasterxml.jackson.databind.JsonNode;
import kvstore.core.control.Controller;
import kvstore.core.control.ControllerConfig;
import kvstore.node.control.ControllerHost;
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

    private ControllerHost controllerFor(TestCluster cluster) {
        Map<String, String> addresses = new TreeMap<>();
        for (long id : cluster.ids()) {
            addresses.put(String.valueOf(id), cluster.address(id));
        }
        return new ControllerHost("test-ctl", addresses, null, TestCluster.TICK, ControllerConfig.defaults(),
                new Controller.Events() {
                    @Override
                    public void note(String text) {
                        notes.add(text);
                    }
                });
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

    @Test
    void theControllerEndpointsRefuseBadInputWithoutChangingTheVote() {
        try (TestCluster cluster = TestCluster.startWithView(1)) {
            String node = cluster.address(1);
            String[][] cases = {
                {"/view/prepare", "{}", "a ballot must be"},
                {"/view/prepare", "{\"ballot\": {\"number\": 0, \"controller\": \"c\"}}", "'number' must be"},
                {"/view/prepare", "{\"ballot\": {\"number\": 5}}", "'controller'"},
                {"/view/prepare", "{\"ballot\": {\"number\": 5, \"controller\": \"c\"}, \"x\": 1}", "unknown field"},
                {"/view/accept", "{\"ballot\": {\"number\": 5, \"controller\": \"c\"}}", "a view must be"},
                {"/view/accept", "{\"ballot\": {\"number\": 5, \"controller\": \"c\"}, \"view\": {\"number\": 4, "
                        + "\"primary\": \"1\", \"backups\": [], \"primaryIncarnation\": 1, \"basis\": 0}}",
                        "the view's number must be the ballot's"},
                {"/view/accept", "{\"ballot\": {\"number\": 5, \"controller\": \"c\"}, \"view\": {\"number\": 5, "
                        + "\"primary\": \"1\", \"backups\": [\"1\"], \"primaryIncarnation\": 1, \"basis\": 0}}",
                        "also listed as a backup"},
                {"/view/accept", "{\"ballot\": {\"number\": 5, \"controller\": \"c\"}, \"view\": {\"number\": 5, "
                        + "\"primary\": \"1\", \"backups\": [\"2\", \"2\"], \"primaryIncarnation\": 1, \"basis\": 0}}",
                        "backup 2 is listed twice"},
                {"/view/accept", "{\"ballot\": {\"number\": 5, \"controller\": \"c\"}, \"view\": {\"number\": 5, "
                        + "\"primary\": \"1\", \"backups\": [], \"primaryIncarnation\": 1, \"basis\": 0, \"x\": 1}}",
                        "unknown field 'x' in a view"},
                {"/view/accept", "{\"ballot\": {\"number\": 5, \"controller\": \"c\"}, \"view\": {\"number\": 5, "
                        + "\"primary\": \"1\", \"backups\": [], \"primaryIncarnation\": 1, \"basis\": 0}, "
                        + "\"restoreIncarnation\": 1.9}", "'restoreIncarnation' must be"},
            };
            for (String[] c : cases) {
                Http.Response r = Http.send("POST", node, c[0], c[1]);
                assertEquals(400, r.status(), () -> c[1] + " -> " + r);
                assertTrue(r.error().contains(c[2]), () -> c[1] + " -> " + r.error());
            }
            JsonNode state = Http.send("GET", node, "/view/state", null).body();
            assertEquals(1, state.path("promised").path("number").asLong(), "nothing was promised: " + state);
            assertFalse(state.path("fenced").asBoolean());

            Http.Response stale = Http.send("POST", node, "/view/prepare",
                    "{\"ballot\": {\"number\": 1, \"controller\": \"c\"}}");
            assertEquals(409, stale.status(), stale::toString);
            assertTrue(stale.error().contains("does not outrank"), stale::toString);
        }
    }

    @Test
    void theControllerEndpointsNeedTheClusterToken() {
        try (TestCluster cluster = TestCluster.startWithToken(1, "secret")) {
            Http.Response r = Http.send("POST", cluster.address(1), "/view/prepare",
                    "{\"ballot\": {\"number\": 5, \"controller\": \"c\"}}");
            assertEquals(401, r.status(), r::toString);
        }
    }
}
