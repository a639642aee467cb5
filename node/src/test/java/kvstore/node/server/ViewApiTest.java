package kvstore.node.server;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** PUT and GET /view: the prototype's documents, roles, epochs, and what a node outside the view does. */
class ViewApiTest {

    private static JsonNode view(TestCluster cluster, long id) {
        return Http.send("GET", cluster.address(id), "/view", null).body();
    }

    @Test
    void aNodeWithoutAViewSaysSoAndServesNoData() {
        try (TestCluster cluster = TestCluster.start(1)) {
            JsonNode v = view(cluster, 1);
            assertEquals(0, v.path("view").size());
            assertEquals(0, v.path("epoch").asLong());
            assertEquals("none", v.path("role").asText());
            Http.Response r = Http.put(cluster.address(1), "k", "v");
            assertEquals(503, r.status(), r::toString);
            assertTrue(r.error().contains("no view"), r::toString);
            assertTrue(r.body().path("retryable").asBoolean());
        }
    }

    @Test
    void putViewAnswersWithTheRoleAndGetViewReturnsTheDocument() {
        try (TestCluster cluster = TestCluster.start(2)) {
            String doc = cluster.viewDocument(1, 2);
            Http.Response primary = Http.send("PUT", cluster.address(1), "/view", doc);
            assertEquals(200, primary.status());
            assertEquals("View updated", primary.body().path("message").asText());
            assertEquals("primary", primary.body().path("role").asText());
            Http.Response backup = Http.send("PUT", cluster.address(2), "/view", doc);
            assertEquals("backup", backup.body().path("role").asText());
            cluster.awaitSynced(1, 2);

            JsonNode v = view(cluster, 2);
            assertEquals(2, v.path("view").size());
            assertEquals(cluster.address(1), v.path("view").get(0).path("address").asText());
            assertEquals(1, v.path("view").get(0).path("id").asLong());
            assertEquals(1, v.path("primary").asLong());
            assertEquals(1, v.path("epoch").asLong());
            assertEquals("backup", v.path("role").asText());

            // The document read back can be sent again as it is: the same view, nothing changes.
            Http.Response again = Http.send("PUT", cluster.address(1), "/view", Json.write(view(cluster, 1)));
            assertEquals(200, again.status(), again::toString);
            assertEquals(1, again.body().path("epoch").asLong());
        }
    }

    @Test
    void theDocumentMayNameAPrimaryOtherThanTheLowestId() {
        try (TestCluster cluster = TestCluster.start(3)) {
            String doc = cluster.viewDocument(1, 2, 3).replace("]}", "], \"primary\": 3}");
            cluster.putView(doc, 1, 2, 3);
            cluster.awaitSynced(1, 2, 3);
            assertEquals("primary", view(cluster, 3).path("role").asText());
            assertEquals("backup", view(cluster, 1).path("role").asText());
            assertEquals(201, Http.put(cluster.address(1), "k", "v").status());
        }
    }

    @Test
    void aNodeLeftOutOfTheViewSaysNotInViewAndServesNoData() {
        try (TestCluster cluster = TestCluster.startWithView(3)) {
            String doc = cluster.viewDocument(1, 2);
            Http.Response out = Http.send("PUT", cluster.address(3), "/view", doc);
            assertEquals(200, out.status());
            assertEquals("Not in View", out.body().path("message").asText());
            assertFalse(out.body().has("role"));
            assertEquals("none", view(cluster, 3).path("role").asText());
            Http.Response refused = Http.get(cluster.address(3), "anything");
            assertEquals(503, refused.status(), refused::toString);
            assertTrue(refused.error().contains("not in the current view"), refused::toString);
            assertFalse(refused.body().path("applied").asBoolean(true), "refused before ordering: " + refused);
            Http.Response retried = Http.send("PUT", cluster.address(3), "/data/k", Http.valueBody("v"),
                    "Idempotency-Key", "k1");
            assertEquals(503, retried.status(), retried::toString);
            assertFalse(retried.body().has("applied"), "an earlier attempt with this key might have been applied");
            assertFalse(retried.body().path("attemptApplied").asBoolean(true),
                    "this attempt itself was refused before it was ordered: " + retried);
        }
    }

    @Test
    void explicitEpochsMustGrow() {
        try (TestCluster cluster = TestCluster.start(2)) {
            String doc = cluster.viewDocument(1, 2).replace("]}", "], \"epoch\": 7}");
            cluster.putView(doc, 1, 2);
            assertEquals(7, view(cluster, 2).path("epoch").asLong());
            assertEquals(200, Http.send("PUT", cluster.address(1), "/view", doc).status(), "the same view again");

            String older = cluster.viewDocument(1).replace("]}", "], \"epoch\": 6}");
            Http.Response stale = Http.send("PUT", cluster.address(1), "/view", older);
            assertEquals(409, stale.status(), stale::toString);
            String sameEpochOtherView = cluster.viewDocument(1).replace("]}", "], \"epoch\": 7}");
            assertEquals(409, Http.send("PUT", cluster.address(1), "/view", sameEpochOtherView).status());
            assertEquals(2, view(cluster, 1).path("view").size(), "the refused views changed nothing");

            // Without an epoch the node numbers the view itself, one past its own.
            Http.Response next = Http.send("PUT", cluster.address(1), "/view", cluster.viewDocument(1));
            assertEquals(8, next.body().path("epoch").asLong());
        }
    }

    /**
     * At the largest epoch (2^53 - 1, the largest integer a JSON number holds exactly), a view without an epoch
     * cannot be numbered one past it: refused, naming the way out, and nothing changes on either node.
     */
    @Test
    void aViewWithoutAnEpochAfterTheLargestIsRefusedNotNumberedPastIt() {
        try (TestCluster cluster = TestCluster.start(2)) {
            long max = (1L << 53) - 1;
            String doc = cluster.viewDocument(1, 2).replace("]}", "], \"epoch\": " + max + "}");
            cluster.putView(doc, 1, 2);
            Http.Response next = Http.send("PUT", cluster.address(1), "/view", cluster.viewDocument(1));
            assertEquals(409, next.status(), next::toString);
            assertTrue(next.error().contains("largest a view may have"), next::toString);
            for (long id = 1; id <= 2; id++) {
                assertEquals(max, view(cluster, id).path("epoch").asLong(), "node " + id + " keeps its epoch");
                assertEquals(2, view(cluster, id).path("view").size(), "node " + id + " keeps its view");
            }
            Http.Response past = Http.send("PUT", cluster.address(1), "/view",
                    cluster.viewDocument(1).replace("]}", "], \"epoch\": " + (max + 1) + "}"));
            assertEquals(400, past.status(), "an epoch past the largest is a malformed document: " + past);
        }
    }

    @Test
    void withATokenPutViewNeedsItAndReadsDoNot() {
        try (TestCluster cluster = TestCluster.startWithToken(2, "t0k3n")) {
            String doc = cluster.viewDocument(1);
            assertEquals(401, Http.send("PUT", cluster.address(1), "/view", doc).status());
            assertEquals(200, Http.send("GET", cluster.address(1), "/view", null).status());
            assertEquals(201, Http.put(cluster.address(2), "k", "v").status(), "replication carries the token");
            assertEquals(200, Http.send("PUT", cluster.address(1), "/view", doc, "X-Cluster-Token", "t0k3n")
                    .status());
        }
    }
}
