package kvstore.client;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The client library against real nodes in this JVM, over a network that loses answers where a test says so. */
class KvClientTest {
    private static final Duration CONNECT = Duration.ofMillis(500);
    private static final int WRITES = 150;

    private static KvClient.Builder client(Transport transport, String... nodes) {
        return KvClient.builder().nodes(nodes).transport(transport)
                .backoff(Duration.ofMillis(1), Duration.ofMillis(20));
    }

    @Test
    void readsAndWritesTheWayTheReadmeShows() {
        try (LocalCluster cluster = LocalCluster.withView(3);
             KvClient kv = KvClient.connect(cluster.addresses())) {
            assertTrue(kv.put("greeting", "hello").created());
            assertEquals(Optional.of("hello"), kv.get("greeting"));
            Swap refused = kv.compareAndSet("greeting", "nope", "hi");
            assertFalse(refused.swapped());
            assertEquals("hello", refused.current());
            assertTrue(kv.compareAndSet("greeting", "hello", "hi").swapped());
            assertTrue(kv.compareAndSet("a/b c.", null, "odd key").swapped(), "only if absent; any key");
            assertEquals(Map.of("greeting", "hi", "a/b c.", "odd key"), kv.getAll());
            assertTrue(kv.delete("greeting"));
            assertFalse(kv.delete("greeting"));
            assertEquals(Optional.empty(), kv.get("greeting"));
        }
    }

    /**
     * Writes go to the primary the views name, not through a backup; after a failover the client finds the new
     * primary by itself.
     */
    @Test
    void sendsToThePrimaryAndFollowsAViewChange() {
        try (LocalCluster cluster = LocalCluster.withView(3)) {
            FaultyTransport network = FaultyTransport.recording(Transport.http(null, CONNECT));
            try (KvClient kv = client(network, cluster.address(3), cluster.address(2), cluster.address(1)).build()) {
                kv.put("k", "1");
                assertEquals(cluster.address(1) + " PUT /data/k", writesSent(network).getLast(), "to the primary");
                cluster.install(2, 3);
                cluster.stop(1);
                kv.put("k", "2");
                assertEquals(cluster.address(2) + " PUT /data/k", writesSent(network).getLast(),
                        "to the new primary: " + network.sent);
                assertEquals(Optional.of("2"), kv.get("k"));
            }
        }
    }

    private static List<String> writesSent(FaultyTransport network) {
        return network.sent.stream().filter(s -> s.contains(" PUT /data/")).toList();
    }

    /**
     * The "done when": a write retried through lost answers and 503s, some invented before the node saw
     * it and some after it had applied the write, is applied exactly once. Sequential writes with nothing else
     * in between are numbered consecutively by the primary, and the primary's log grows by one per write.
     */
    @Test
    void aWriteRetriedThroughLostAnswersAnd503sIsAppliedExactlyOnce() {
        Outcome o = writeThroughFaults(WRITES, false);
        assertTrue(o.faults > WRITES / 2, "faults were injected: " + o.faults);
        assertEquals(WRITES, o.appliedGrowth, "each write applied once (" + o.faults + " faults injected)");
        for (int i = 1; i < o.positions.size(); i++) {
            assertEquals(o.positions.get(i - 1) + 1, o.positions.get(i), "consecutive positions: " + o.positions);
        }
        assertEquals(o.lastWritten, o.stored, "every key holds its last acknowledged value");
    }

    /** The planted bug the test above must catch: attempts without the key are applied again. */
    @Test
    void withoutTheIdempotencyKeyTheSameRetriesApplyWritesTwice() {
        int writes = 40;
        Outcome o = writeThroughFaults(writes, true);
        assertTrue(o.appliedGrowth > writes, "applied more than once: " + o.appliedGrowth + " for " + writes);
    }

    private record Outcome(int faults, long appliedGrowth, List<Long> positions, Map<String, String> lastWritten,
                           Map<String, String> stored) {
    }

    private static Outcome writeThroughFaults(int writes, boolean dropIdempotencyKey) {
        try (LocalCluster cluster = LocalCluster.withView(3)) {
            FaultyTransport network = new FaultyTransport(Transport.http(null, CONNECT), 42, 0.2, 0.2, 0.2,
                    dropIdempotencyKey);
            long before = cluster.applied(1);
            List<Long> positions = new ArrayList<>();
            Map<String, String> lastWritten = new LinkedHashMap<>();
            try (KvClient kv = client(network, cluster.addresses()).build()) {
                for (int i = 0; i < writes; i++) {
                    String key = "k" + i % 5;
                    positions.add(kv.put(key, "v" + i).position());
                    lastWritten.put(key, "v" + i);
                }
            }
            long growth = cluster.applied(1) - before;
            try (KvClient reader = KvClient.connect(cluster.addresses())) {
                Map<String, String> stored = new LinkedHashMap<>();
                lastWritten.keySet().forEach(k -> stored.put(k, reader.get(k).orElse(null)));
                int faults = network.lostAnswers.get() + network.refusedUnsent.get() + network.applied503s.get();
                return new Outcome(faults, growth, positions, lastWritten, stored);
            }
        }
    }

    @Test
    void aWriteThatNeverReachedANodeCertainlyDidNotHappen() {
        try (LocalCluster cluster = LocalCluster.withView(1)) {
            String gone = cluster.address(1);
            cluster.stop(1);
            try (KvClient kv = client(Transport.http(null, CONNECT), gone).retryFor(Duration.ofMillis(200)).build()) {
                NotAppliedException e = assertThrows(NotAppliedException.class, () -> kv.put("k", "v"));
                assertTrue(e.attempts() > 1, "tried again: " + e.getMessage());
                assertEquals(0, e.status());
            }
        }
    }

    /** Every answer lost: the write happened, once, and the client says it may have. */
    @Test
    void aWriteWhoseAnswersWereAllLostMayHaveHappened() {
        try (LocalCluster cluster = LocalCluster.withView(3)) {
            FaultyTransport network = new FaultyTransport(Transport.http(null, CONNECT), 1, 1.0, 0, 0, false);
            long before = cluster.applied(1);
            try (KvClient kv = client(network, cluster.addresses()).maxAttempts(3).build()) {
                OutcomeUnknownException e = assertThrows(OutcomeUnknownException.class, () -> kv.put("k", "v"));
                assertTrue(e.mayHaveHappened());
                assertEquals(3, e.attempts(), e.getMessage());
            }
            assertEquals(1, cluster.applied(1) - before, "applied once, however many attempts");
            try (KvClient reader = KvClient.connect(cluster.addresses())) {
                assertEquals(Optional.of("v"), reader.get("k"));
            }
        }
    }

    /** Once an attempt may have happened, later certain refusals of other attempts do not make the write certain. */
    @Test
    void oneUncertainAttemptMakesTheWholeWriteUncertain() {
        try (LocalCluster cluster = LocalCluster.withView(1)) {
            AtomicInteger attempts = new AtomicInteger();
            Transport real = Transport.http(null, CONNECT);
            Transport network = new Transport() {
                @Override
                public Response send(String address, Request request, Duration timeout) throws IOException {
                    if (request.method().equals("GET")) {
                        return real.send(address, request, timeout);
                    }
                    if (attempts.incrementAndGet() == 1) {
                        real.send(address, request, timeout);
                        throw new IOException("injected: the first answer was lost");
                    }
                    throw new NotSentException(address, new java.net.ConnectException("injected"));
                }

                @Override
                public void close() {
                    real.close();
                }
            };
            try (KvClient kv = client(network, cluster.addresses()).retryFor(Duration.ofMillis(100)).build()) {
                assertThrows(OutcomeUnknownException.class, () -> kv.put("k", "v"));
            }
            assertTrue(attempts.get() > 1);
        }
    }

    /**
     * A backup is down: the primary refuses every attempt before ordering it ({@code "attemptApplied": false}),
     * so the write certainly did not happen, and it does not, in the next view either.
     */
    @Test
    void aWriteThePrimaryRefusedAtEveryAttemptCertainlyDidNotHappen() {
        try (LocalCluster cluster = LocalCluster.withView(3)) {
            cluster.stop(3);
            await().atMost(Duration.ofSeconds(5)).until(() -> cluster.send("PUT", 1, "/data/probe",
                    "{\"value\": \"x\"}").path("attemptApplied").isBoolean()); // the primary knows n3 is down
            // Node 1 alone: a refusal relayed by a backup could not say the attempt was not ordered.
            try (KvClient kv = client(Transport.http(null, CONNECT), cluster.address(1))
                    .retryFor(Duration.ofMillis(300)).build()) {
                NotAppliedException e = assertThrows(NotAppliedException.class, () -> kv.put("k", "v"));
                assertEquals(503, e.status(), e.getMessage());
                assertTrue(e.attempts() > 1, e.getMessage());
                cluster.install(1, 2);
                assertEquals(Optional.empty(), kv.get("k"), "the refused write did not happen");
            }
        }
    }
}
