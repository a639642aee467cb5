package kvstore.node.server;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * Whole-store reads large enough to be streamed generate their answer on turns ({@link Carriers#streams}), so that
 * they never hold every carrier thread; smaller ones, answered as one body, take none.
 */
class WholeStoreReadTurnsTest {
    private static TestCluster cluster;

    @BeforeAll
    static void startCluster() {
        cluster = TestCluster.startWithView(1);
    }

    @AfterAll
    static void stopCluster() {
        cluster.close();
    }

    @Test
    void aStreamedReadGeneratesOnlyOnATurnAndGivesItBack() throws Exception {
        String node = cluster.address(1);
        java.util.concurrent.Semaphore streams = Carriers.streams();
        int turns = streams.drainPermits(); // every turn taken, as by reads generating
        CompletableFuture<Http.Response> read = null;
        try {
            assertEquals(Carriers.streamPermits(Carriers.current()), turns, "no turn was held before the test");
            assertEquals(201, Http.put(node, "small", "v").status());
            assertEquals(200, Http.getAll(node).status(), "a store answered as one body takes no turn");

            String half = "x".repeat(600_000); // two of them: past Bodies.STREAM_STORE_OVER, so streamed
            assertEquals(201, Http.put(node, "large-1", half).status());
            assertEquals(201, Http.put(node, "large-2", half).status());
            read = CompletableFuture.supplyAsync(() -> Http.getAll(node));
            await().atMost(Duration.ofSeconds(10)).until(() -> streams.getQueueLength() == 1);
            assertFalse(read.isDone(), "a streamed read waits while every turn is taken");

            streams.release();
            Http.Response answer = read.get(30, TimeUnit.SECONDS);
            assertEquals(200, answer.status(), answer::toString);
            assertEquals(half, answer.body().path("large-1").asText());
            assertEquals(half, answer.body().path("large-2").asText());
            assertEquals("v", answer.body().path("small").asText());
            assertEquals(1, streams.availablePermits(), "every turn taken was given back");
        } finally {
            if (read != null) {
                streams.release(); // a read still waiting finishes
                read.handle((r, e) -> null).get(30, TimeUnit.SECONDS);
            }
            streams.drainPermits();
            streams.release(turns);
        }
    }

    @Test
    void aClientSlowToReadHoldsNoTurn() throws Exception {
        String node = cluster.address(1);
        String value = "y".repeat(1_000_000);
        for (int i = 0; i < 8; i++) { // 8 MB: more than the sockets between them hold
            assertEquals(201, Http.put(node, "slow-" + i, value).status());
        }
        java.util.concurrent.Semaphore streams = Carriers.streams();
        int turns = streams.availablePermits();
        try (java.net.Socket slow = new java.net.Socket()) {
            slow.setSoTimeout(30_000);
            slow.setReceiveBufferSize(4096);
            slow.connect(kvstore.node.http.HttpConnection.socketAddress(node));
            slow.getOutputStream().write("GET /data HTTP/1.1\r\nHost: test\r\n\r\n"
                    .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            byte[] start = slow.getInputStream().readNBytes(1024); // the answer has begun; the rest is left unread
            assertEquals("HTTP/1.1 200", new String(start, 0, 12, java.nio.charset.StandardCharsets.US_ASCII));

            Http.Response other = CompletableFuture.supplyAsync(() -> Http.getAll(node)).get(30, TimeUnit.SECONDS);
            assertEquals(200, other.status(), "another read was answered while the slow one waits for its client");
            assertEquals(value, other.body().path("slow-7").asText());
            assertEquals(turns, streams.availablePermits(), "the slow read, blocked sending, holds no turn");
        } finally {
            for (int i = 0; i < 8; i++) { // the store small again, for the other test whatever the order
                Http.delete(node, "slow-" + i);
            }
        }
        await().atMost(Duration.ofSeconds(30)) // the slow read ends once its connection does
                .until(() -> streams.availablePermits() == turns && streams.getQueueLength() == 0);
    }

    @Test
    void halfTheCarriersStreamAtOnceAndAtLeastOne() {
        assertEquals(1, Carriers.streamPermits(1));
        assertEquals(1, Carriers.streamPermits(2));
        assertEquals(2, Carriers.streamPermits(4));
        assertEquals(4, Carriers.preferred(1), "more carriers than cores even on one core");
        assertEquals(4, Carriers.preferred(2));
        assertEquals(16, Carriers.preferred(8));
    }
}
