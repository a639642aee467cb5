package kvstore.node.server;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code /health/live}, {@code /health/ready} and {@code /metrics} say what the node is doing (docs/api.md). */
class MetricsAndHealthTest {

    private static String metrics(String address) {
        Http.Response r = Http.send("GET", address, "/metrics", null);
        assertEquals(200, r.status());
        return new String(r.bytes(), StandardCharsets.UTF_8);
    }

    private static int ready(String address) {
        return Http.send("GET", address, "/health/ready", null).status();
    }

    @Test
    void readyOnlyInAViewWithItsStateAndNoLongerOnceTheViewLeavesItOut() {
        try (TestCluster cluster = TestCluster.start(2)) {
            assertEquals(503, ready(cluster.address(1)), "in no view yet");
            assertEquals(200, Http.send("GET", cluster.address(1), "/health/live", null).status());
            cluster.installView(1, 2);
            for (long id : cluster.ids()) {
                await().atMost(Duration.ofSeconds(5)).until(() -> ready(cluster.address(id)) == 200);
            }
            cluster.putView(cluster.viewDocument(1), 1, 2); // the grader's broadcast of a view without node 2
            await().atMost(Duration.ofSeconds(5)).until(() -> ready(cluster.address(2)) == 503);
            assertEquals(200, ready(cluster.address(1)));
            Http.Response body = Http.send("GET", cluster.address(2), "/health/ready", null);
            assertEquals("none", body.body().path("checks").path(0).path("data").path("role").asText(), body.raw());
        }
    }

    @Test
    void metricsNameTheViewTheRoleAndEachRoutesRequestsByStatus() {
        try (TestCluster cluster = TestCluster.startWithView(2)) {
            assertEquals(201, Http.put(cluster.address(2), "k", "v").status(), "through the backup");
            assertEquals(404, Http.get(cluster.address(1), "missing").status());
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
                String primary = metrics(cluster.address(1));
                assertTrue(primary.contains("kv_role{node=\"1\",role=\"primary\",scope=\"application\",} 1.0"),
                        primary);
                assertTrue(primary.matches("(?s).*\\nkv_view_epoch\\{node=\"1\"[^}]*} [1-9][0-9]*\\.0\\n.*"), primary);
                assertTrue(primary.contains("kv_requests_total{method=\"GET\",node=\"1\",route=\"/data/{key}\","
                        + "scope=\"application\",status=\"404\",} 1.0"), primary);
                assertTrue(primary.contains("kv_applied_position{node=\"1\",scope=\"application\",} "), primary);
                assertTrue(!primary.contains("method=\"PUT\",node=\"1\",route=\"/data/{key}\""),
                        "each node counts its own requests (the PUT went to node 2): " + primary);
                String backup = metrics(cluster.address(2));
                assertTrue(backup.contains("kv_role{node=\"2\",role=\"backup\",scope=\"application\",} 1.0"), backup);
                assertTrue(backup.contains("kv_requests_total{method=\"PUT\",node=\"2\",route=\"/data/{key}\","
                        + "scope=\"application\",status=\"201\",} 1.0"), backup);
                assertTrue(!backup.contains("route=\"/data/k\""), "keys are not labels");
            });
        }
    }

    /**
     * Operation times as Prometheus histograms; each backup's lag as the primary sees it; state sent to catch a
     * joining backup up.
     */
    @Test
    void metricsTimeOperationsAndShowEachBackupsLagAndTheStateSent() {
        try (TestCluster cluster = TestCluster.start(3)) {
            cluster.installView(1, 2);
            for (int i = 0; i < 20; i++) {
                assertEquals(i == 0 ? 201 : 200, Http.put(cluster.address(1), "k", "v" + i).status());
            }
            cluster.installView(1, 2, 3); // node 3 joins: it is sent the state
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
                String primary = metrics(cluster.address(1));
                assertTrue(primary.matches("(?s).*\\nkv_operation_duration_seconds_bucket\\{node=\"1\",op=\"put\","
                        + "outcome=\"ok\",scope=\"application\",le=\"0\\.5\",} 20\\.0\\n.*"),
                        "every write took under half a second: " + primary);
                assertTrue(primary.contains("kv_operation_duration_seconds_count{node=\"1\",op=\"put\","
                        + "outcome=\"ok\",scope=\"application\",} 20.0"), primary);
                for (String backup : new String[]{"2", "3"}) {
                    assertTrue(primary.contains("kv_replication_lag_entries{backup=\"" + backup + "\",node=\"1\","
                            + "scope=\"application\",} 0.0"), "backup " + backup + " caught up: " + primary);
                    assertTrue(primary.contains("kv_replication_lag_seconds{backup=\"" + backup + "\",node=\"1\","
                            + "scope=\"application\",} 0.0"), primary);
                }
                assertTrue(primary.matches("(?s).*\\nkv_state_transfer_bytes_total\\{node=\"1\",[^}]*} [1-9][0-9.E]*\\n.*"),
                        "node 3 was sent the state: " + primary);
                String backup = metrics(cluster.address(2));
                assertTrue(!backup.matches("(?s).*kv_replication_lag_entries\\{backup=\"[^\"]*\",node=\"2\".*"),
                        "a backup has no backups (the JVM's registry, shared by the nodes of the test, shows node 1's "
                        + "too): " + backup);
            });
        }
    }
}
