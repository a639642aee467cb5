package kvstore.node.server;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The /data API on a healthy cluster of three real nodes: through the primary, and through backups. */
class DataApiTest {
    private static TestCluster cluster;
    private static String primary;
    private static String backup;
    private static String otherBackup;

    @BeforeAll
    static void startCluster() {
        cluster = TestCluster.startWithView(3);
        primary = cluster.address(1);
        backup = cluster.address(2);
        otherBackup = cluster.address(3);
    }

    @AfterAll
    static void stopCluster() {
        cluster.close();
    }

    @ParameterizedTest(name = "through node {0}")
    @ValueSource(longs = {1, 2, 3})
    void createReadUpdateDelete(long node) {
        String at = cluster.address(node);
        String key = "crud-" + node;
        Http.Response created = Http.put(at, key, "v1");
        assertEquals(201, created.status(), created::toString);
        assertEquals("Key created successfully.", created.body().path("message").asText());
        assertNotNull(created.msgNum(), "every /data response carries Msg-Num");

        Http.Response updated = Http.put(at, key, "v2");
        assertEquals(200, updated.status(), updated::toString);
        assertEquals("Key updated successfully.", updated.body().path("message").asText());
        assertTrue(updated.msgNum() > created.msgNum(), "later operations come later in the order");

        for (String reader : List.of(primary, backup, otherBackup)) {
            Http.Response read = Http.get(reader, key);
            assertEquals(200, read.status(), read::toString);
            assertEquals("v2", read.body().path("value").asText());
            assertTrue(read.msgNum() > updated.msgNum(), "a read is ordered after the write it sees");
        }

        Http.Response deleted = Http.delete(at, key);
        assertEquals(200, deleted.status(), deleted::toString);
        assertEquals("Key deleted successfully.", deleted.body().path("message").asText());
        Http.Response gone = Http.get(otherBackup, key);
        assertEquals(404, gone.status(), gone::toString);
        assertEquals("Key Not Found", gone.error());
        assertEquals(404, Http.delete(at, key).status(), "deleting a missing key");
    }

    @Test
    void emptyStringIsAnOrdinaryValue() {
        assertEquals(201, Http.put(backup, "empty", "").status());
        Http.Response read = Http.get(primary, "empty");
        assertEquals(200, read.status());
        assertEquals("", read.body().path("value").asText());
        assertEquals(200, Http.delete(otherBackup, "empty").status());
        assertEquals(404, Http.get(primary, "empty").status());
    }

    @ParameterizedTest(name = "key \"{0}\"")
    @ValueSource(strings = {"a/b/c", "with space", "ünïcødé ✓", "100%", "?query#frag", "..", "+plus", "\"quoted\""})
    void keysMayHoldAnyCharacter(String key) {
        assertEquals(201, Http.put(backup, key, "value of " + key).status());
        Http.Response read = Http.get(otherBackup, key);
        assertEquals(200, read.status(), read::toString);
        assertEquals("value of " + key, read.body().path("value").asText());
        assertEquals("value of " + key, Http.getAll(primary).body().path(key).asText(), "GET /data names it too");
        assertEquals(200, Http.delete(primary, key).status());
    }

    /**
     * A store past a megabyte is streamed (chunked) rather than built whole; through a backup, the primary's answer
     * names the position and the backup answers with the store as it applied it there. Same document either way.
     */
    @Test
    void aLargeStoreIsReadWholeThroughThePrimaryAndThroughABackup() {
        String big = "b".repeat(400_000) + "\u00e9\u4e2d\"q";
        for (int i = 0; i < 4; i++) {
            assertEquals(201, Http.put(primary, "large-" + i, big + i).status());
        }
        try {
            for (String node : new String[] {primary, backup, otherBackup}) {
                Http.Response all = Http.getAll(node);
                assertEquals(200, all.status(), () -> node + ": " + all.raw().substring(0, 200));
                for (int i = 0; i < 4; i++) {
                    assertEquals(big + i, all.body().path("large-" + i).asText(), node + " large-" + i);
                }
                assertNotNull(all.msgNum());
            }
        } finally {
            for (int i = 0; i < 4; i++) {
                Http.delete(primary, "large-" + i);
            }
        }
    }

    @Test
    void getAllIsASnapshotOfEveryKey() {
        for (int i = 0; i < 5; i++) {
            assertEquals(201, Http.put(primary, "snap-" + i, "s" + i).status());
        }
        Http.Response all = Http.getAll(backup);
        assertEquals(200, all.status());
        for (int i = 0; i < 5; i++) {
            assertEquals("s" + i, all.body().path("snap-" + i).asText());
        }
        assertNotNull(all.msgNum());
        all.body().properties().forEach(e -> assertTrue(e.getValue().isTextual(), "a flat map of strings"));
    }

    @Test
    void compareAndSet() {
        Http.Response onlyIfAbsent = Http.cas(backup, "cas", null, "first");
        assertEquals(201, onlyIfAbsent.status(), onlyIfAbsent::toString);
        Http.Response again = Http.cas(otherBackup, "cas", null, "second");
        assertEquals(412, again.status(), again::toString);
        assertEquals("first", again.body().path("current").asText(), "a failed cas names the current value");

        Http.Response swap = Http.cas(primary, "cas", "first", "third");
        assertEquals(200, swap.status(), swap::toString);
        Http.Response stale = Http.cas(backup, "cas", "first", "fourth");
        assertEquals(412, stale.status());
        assertEquals("third", stale.body().path("current").asText());
        assertEquals("third", Http.get(primary, "cas").body().path("value").asText());

        Http.Response onMissing = Http.cas(primary, "cas-missing", "anything", "x");
        assertEquals(412, onMissing.status());
        assertTrue(onMissing.body().get("current").isNull(), "current is null when the key is absent");
        assertEquals(404, Http.get(primary, "cas-missing").status());
    }

    @Test
    void aRetryWithTheSameIdempotencyKeyIsAppliedOnceAndGetsTheOriginalAnswer() {
        String body = Http.valueBody("once");
        Http.Response first = Http.send("PUT", backup, KeyPath.of("idem"), body, "Idempotency-Key", "k-1");
        assertEquals(201, first.status());
        // Between the two tries someone else overwrites the key; a second application would overwrite it back.
        assertEquals(200, Http.put(primary, "idem", "other").status());
        Http.Response retry = Http.send("PUT", otherBackup, KeyPath.of("idem"), body, "Idempotency-Key", "k-1");
        assertEquals(201, retry.status(), "the original answer, not 'updated'");
        assertEquals(first.msgNum(), retry.msgNum(), "the same position in the order: applied once");
        assertEquals("other", Http.get(primary, "idem").body().path("value").asText());

        Http.Response fresh = Http.send("PUT", backup, KeyPath.of("idem"), body, "Idempotency-Key", "k-2");
        assertEquals(200, fresh.status(), "another key is another write");
        assertEquals("once", Http.get(primary, "idem").body().path("value").asText());
    }

    @Test
    void anIdempotencyKeyReusedOnAnotherRequestDoesNotReplayTheFirstAnswer() {
        String key = "reuse";
        Http.Response put = Http.send("PUT", primary, KeyPath.of(key), Http.valueBody("a"), "Idempotency-Key", "r");
        assertEquals(201, put.status());
        Http.Response otherValue = Http.send("PUT", backup, KeyPath.of(key), Http.valueBody("b"),
                "Idempotency-Key", "r");
        assertEquals(200, otherValue.status(), "another value is another write: " + otherValue);
        assertEquals("b", Http.get(primary, key).body().path("value").asText());
        Http.Response delete = Http.send("DELETE", backup, KeyPath.of(key), null, "Idempotency-Key", "r");
        assertEquals(200, delete.status());
        assertEquals(404, Http.get(primary, key).status(), "the delete was applied, not answered from the put");
        Http.Response read = Http.send("GET", otherBackup, KeyPath.of(key), null, "Idempotency-Key", "r");
        assertEquals(404, read.status(), "a read with the header is an ordinary read: " + read);
        Http.Response all = Http.send("GET", otherBackup, "/data", null, "Idempotency-Key", "r");
        assertEquals(200, all.status(), all::toString);
    }

    @Test
    void everyNodeAnswersPing() {
        for (long id : cluster.ids()) {
            Http.Response ping = Http.send("GET", cluster.address(id), "/ping", null);
            assertEquals(200, ping.status());
            assertEquals("Node " + id + " is up.", ping.body().path("message").asText());
        }
    }

    @Test
    void msgNumsAreDistinctAndIncreasingAcrossNodes() {
        Set<Long> seen = new HashSet<>();
        long last = 0;
        for (int i = 0; i < 12; i++) {
            String at = cluster.address(1 + i % 3);
            Http.Response r = i % 2 == 0 ? Http.put(at, "order", "o" + i) : Http.get(at, "order");
            assertTrue(seen.add(r.msgNum()), "each operation has its own position");
            assertTrue(r.msgNum() > last, "one client's operations, one after another, are ordered");
            last = r.msgNum();
        }
    }
}
