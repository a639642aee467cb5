package kvstore.node.server;

import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Nodes stop, views change, and no acknowledged write is lost. */
class FailoverTest {

    private static Map<String, String> writeSome(TestCluster cluster, String prefix, int n, long... through) {
        Map<String, String> acknowledged = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
            String key = prefix + i;
            Http.Response r = Http.put(cluster.address(through[i % through.length]), key, prefix + "-value-" + i);
            assertEquals(201, r.status(), r::toString);
            acknowledged.put(key, prefix + "-value-" + i);
        }
        return acknowledged;
    }

    private static void assertHolds(TestCluster cluster, long through, Map<String, String> acknowledged) {
        Http.Response all = Http.getAll(cluster.address(through));
        assertEquals(200, all.status(), all::toString);
        acknowledged.forEach((key, value) -> assertEquals(value, all.body().path(key).asText(null),
                "acknowledged " + key + " lost (read through node " + through + ")"));
    }

    @Test
    void promotingABackupAfterThePrimaryStopsKeepsEveryAcknowledgedWrite() {
        try (TestCluster cluster = TestCluster.startWithView(3)) {
            Map<String, String> acknowledged = writeSome(cluster, "a", 20, 1, 2, 3);
            cluster.stop(1);
            cluster.putView(cluster.viewDocument(2, 3), 2, 3);
            cluster.awaitSynced(2, 3);
            assertEquals("primary", Http.send("GET", cluster.address(2), "/view", null).body().path("role").asText());
            assertHolds(cluster, 3, acknowledged);
            acknowledged.putAll(writeSome(cluster, "b", 5, 3));
            assertHolds(cluster, 2, acknowledged);
        }
    }

    @Test
    void aNodeAddedToAViewReceivesAllExistingDataBeforeItCounts() {
        try (TestCluster cluster = TestCluster.start(3)) {
            cluster.installView(1, 2);
            Map<String, String> acknowledged = writeSome(cluster, "old", 30, 1, 2);
            cluster.installView(1, 2, 3);
            acknowledged.putAll(writeSome(cluster, "new", 5, 3));
            // Only node 3 is left: it must have received everything, including what predates it.
            cluster.stop(1);
            cluster.stop(2);
            cluster.putView(cluster.viewDocument(3), 3);
            assertHolds(cluster, 3, acknowledged);
        }
    }

    @Test
    void aStoppedBackupMakesWrites503UntilANewViewDropsIt() {
        try (TestCluster cluster = TestCluster.startWithView(3)) {
            assertEquals(201, Http.put(cluster.address(1), "before", "x").status());
            cluster.stop(3);
            Http.Response refused = Http.put(cluster.address(2), "during", "y");
            assertEquals(503, refused.status(), refused::toString);
            assertEquals(true, refused.body().path("retryable").asBoolean());
            // Either ordered before the primary noticed (its outcome unknown: not confirmed in time) or refused
            // because the transport already reported node 3 unreachable (R2a): which one depends on timing.
            assertTrue(refused.error().contains("not every backup confirmed")
                    || refused.error().contains("backup 3 is unreachable"), refused::toString);
            assertEquals(503, Http.get(cluster.address(1), "before").status(),
                    "reads go through the same order, so they wait for every backup too");

            cluster.putView(cluster.viewDocument(1, 2), 1, 2);
            cluster.awaitSynced(1, 2);
            Http.Response accepted = Http.put(cluster.address(2), "after", "z");
            assertEquals(201, accepted.status(), accepted::toString);
            assertEquals("x", Http.get(cluster.address(2), "before").body().path("value").asText());
        }
    }

    @Test
    void aRestartedNodeRejoinsAsABackupThroughANewViewAndReceivesTheState() {
        try (TestCluster cluster = TestCluster.startWithView(3)) {
            Map<String, String> acknowledged = writeSome(cluster, "first", 10, 1, 2, 3);
            cluster.stop(3);
            cluster.putView(cluster.viewDocument(1, 2), 1, 2);
            acknowledged.putAll(writeSome(cluster, "while-down", 10, 2));

            cluster.restart(3); // empty, on a new port, started to join
            cluster.installView(1, 2, 3);
            acknowledged.putAll(writeSome(cluster, "after", 5, 3));
            cluster.stop(1);
            cluster.stop(2);
            cluster.putView(cluster.viewDocument(3), 3);
            assertHolds(cluster, 3, acknowledged);
        }
    }

    @Test
    void aRestartedNodeIsNotMadePrimaryBeforeItHasBeenSynced() {
        try (TestCluster cluster = TestCluster.startWithView(2)) {
            assertEquals(201, Http.put(cluster.address(1), "precious", "x").status());
            cluster.stop(1);
            cluster.restart(1); // empty now; a view naming it primary would lose "precious"
            String doc = cluster.viewDocument(1, 2);
            Http.Response refused = Http.send("PUT", cluster.address(1), "/view", doc);
            assertEquals(409, refused.status(), refused::toString);
            assertTrue(refused.error().contains("cannot be the primary"), refused::toString);

            // The operator promotes node 2, which holds the data, and node 1 rejoins as its backup.
            String promote2 = doc.replace("]}", "], \"primary\": 2}");
            cluster.putView(promote2, 2, 1);
            cluster.awaitSynced(1, 2);
            assertEquals("x", Http.get(cluster.address(1), "precious").body().path("value").asText());
        }
    }

    @Test
    void aNodeRestartedWithoutJoinStillRefusesToLeadWhileAnotherMemberHoldsTheData() {
        try (TestCluster cluster = TestCluster.startWithView(2)) {
            assertEquals(201, Http.put(cluster.address(1), "precious", "x").status());
            cluster.stop(1);
            cluster.restart(1, NodeConfig.Start.DETECT); // the prototype's scripts know nothing of --join
            // The view names no primary: the lowest id, the empty node 1, would lead. It asks node 2 and refuses.
            Http.Response refused = Http.send("PUT", cluster.address(1), "/view", cluster.viewDocument(1, 2));
            assertEquals(409, refused.status(), refused::toString);
            assertTrue(refused.error().contains("cannot be the primary"), refused::toString);
        }
    }

    @Test
    void aBrandNewClusterOfNodesNotToldSoFoundsItself() {
        try (TestCluster cluster = TestCluster.startDetecting(3)) {
            cluster.installView(1, 2, 3);
            assertEquals(201, Http.put(cluster.address(3), "k", "v").status());
            assertEquals("v", Http.get(cluster.address(2), "k").body().path("value").asText());
        }
    }

    @Test
    void membersWhoseEpochsDivergedAgreeOnOneNumberForAViewSentWithoutOne() {
        try (TestCluster cluster = TestCluster.startWithView(3)) {
            // Node 1 goes through views of its own (epochs 2, 3, 4); nodes 2 and 3 through one (epoch 2).
            cluster.putView(cluster.viewDocument(1, 2), 1); // node 2 refuses node 1's pass-on: not its view
            cluster.putView(cluster.viewDocument(1), 1);
            cluster.putView(cluster.viewDocument(1, 2), 1);
            cluster.putView(cluster.viewDocument(2, 3), 2, 3);
            long epoch1 = Http.send("GET", cluster.address(1), "/view", null).body().path("epoch").asLong();
            long epoch2 = Http.send("GET", cluster.address(2), "/view", null).body().path("epoch").asLong();
            assertTrue(epoch1 > epoch2 + 1, "diverged: " + epoch1 + " vs " + epoch2);

            // The operator sends the view of all three, without an epoch, to node 3, then 2, then 1.
            cluster.putView(cluster.viewDocument(1, 2, 3), 3, 2, 1);
            await().untilAsserted(() -> {
                for (long id : cluster.ids()) {
                    var view = Http.send("GET", cluster.address(id), "/view", null).body();
                    assertEquals(epoch1 + 1, view.path("epoch").asLong(), "node " + id + " has node 1's number");
                    assertTrue(view.path("synced").asBoolean(), "node " + id + " synced");
                }
            });
            assertEquals(201, Http.put(cluster.address(3), "k", "v").status());
        }
    }

}
