package kvstore.node.server;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Whole-store reads large enough to be streamed take turns ({@link Carriers#STREAMS}), so that they never hold every
 * carrier thread; smaller ones, answered as one body, do not wait.
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
    void aStreamedReadWaitsForATurnAndGivesItBack() throws Exception {
        String node = cluster.address(1);
        int turns = Carriers.STREAMS.drainPermits(); // every turn taken, as by readers already streaming
        try {
            assertEquals(Carriers.streamPermits(Carriers.current()), turns, "no turn was held before the test");
            assertEquals(201, Http.put(node, "small", "v").status());
            assertEquals(200, Http.getAll(node).status(), "a store answered as one body takes no turn");

            String half = "x".repeat(600_000); // two of them: past Bodies.STREAM_STORE_OVER, so streamed
            assertEquals(201, Http.put(node, "large-1", half).status());
            assertEquals(201, Http.put(node, "large-2", half).status());
            CompletableFuture<Http.Response> read = CompletableFuture.supplyAsync(() -> Http.getAll(node));
            assertThrows(TimeoutException.class, () -> read.get(500, TimeUnit.MILLISECONDS),
                    "a streamed read waits while every turn is taken");

            Carriers.STREAMS.release();
            Http.Response answer = read.get(30, TimeUnit.SECONDS);
            assertEquals(200, answer.status(), answer::toString);
            assertEquals(half, answer.body().path("large-2").asText());
            await().atMost(java.time.Duration.ofSeconds(10))
                    .until(() -> Carriers.STREAMS.availablePermits() == 1); // the turn was given back
            Carriers.STREAMS.drainPermits();
        } finally {
            Carriers.STREAMS.release(turns);
        }
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
