package kvstore.client;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What each kind of failed answer makes of an operation, on a scripted network (no node). */
class KvClientFailureTest {
    private static final String NODE = "10.0.0.1:9001";

    private static KvClient client(ScriptedTransport.Script data) {
        return KvClient.builder().nodes(NODE).maxAttempts(4)
                .backoff(Duration.ofMillis(1), Duration.ofMillis(2))
                .transport(new ScriptedTransport((address, request) -> request.path().equals("/view")
                        ? ScriptedTransport.view(NODE, 1, true) : data.answer(address, request)))
                .build();
    }

    @Test
    void aWriteLastAnswered503WithoutAFlagMayHaveHappened() {
        try (KvClient kv = client((a, r) -> ScriptedTransport.json(503,
                "{\"error\":\"not every backup confirmed the operation in time\",\"retryable\":true}"))) {
            OutcomeUnknownException e = assertThrows(OutcomeUnknownException.class, () -> kv.put("k", "v"));
            assertEquals(503, e.status());
            assertTrue(e.attempts() > 1, e.getMessage());
        }
    }

    @Test
    void aWriteEveryAttemptOfWhichWasRefusedBeforeOrderingCertainlyDidNotHappen() {
        try (KvClient kv = client((a, r) -> ScriptedTransport.json(503,
                "{\"error\":\"backup 2 is unreachable\",\"retryable\":true,\"attemptApplied\":false}"))) {
            NotAppliedException e = assertThrows(NotAppliedException.class, () -> kv.put("k", "v"));
            assertTrue(e.attempts() > 1, "retried: " + e.getMessage());
        }
    }

    /** Only a JSON false is a refusal: a string "false" says nothing. */
    @Test
    void aRefusalMustSayFalseInJson() {
        try (KvClient kv = client((a, r) -> ScriptedTransport.json(503,
                "{\"error\":\"odd\",\"retryable\":true,\"attemptApplied\":\"false\"}"))) {
            assertThrows(OutcomeUnknownException.class, () -> kv.put("k", "v"));
        }
    }

    @Test
    void a500IsNotRetriedUnlessItSaysSoAndAWriteMayHaveHappened() {
        AtomicInteger attempts = new AtomicInteger();
        try (KvClient kv = client((a, r) -> {
            attempts.incrementAndGet();
            return ScriptedTransport.json(500, "{\"error\":\"boom\"}");
        })) {
            OutcomeUnknownException e = assertThrows(OutcomeUnknownException.class, () -> kv.delete("k"));
            assertEquals(1, e.attempts());
            assertEquals(1, attempts.get());
        }
    }

    @Test
    void a4xxIsTheAnswerToTheRequestItselfAndNotRetried() {
        try (KvClient kv = client((a, r) -> ScriptedTransport.json(400, "{\"error\":\"bad\"}"))) {
            NotAppliedException e = assertThrows(NotAppliedException.class, () -> kv.put("k", "v"));
            assertEquals(1, e.attempts());
            assertEquals(400, e.status());
        }
    }

    /** A 200 whose body is not JSON (a proxy's page) is not an answer: not a success, and a write may have happened. */
    @Test
    void anUnreadableSuccessIsNotASuccess() {
        try (KvClient kv = client((a, r) -> ScriptedTransport.json(200, "<html>a proxy's page</html>"))) {
            assertThrows(NotAppliedException.class, () -> kv.get("k"), "a read changes nothing");
            assertThrows(OutcomeUnknownException.class, () -> kv.put("k", "v"));
        }
    }

    /** A transport's own failure (not an IOException) still leaves the write's account right. */
    @Test
    void aTransportsRuntimeFailureAfterAnUncertainAttemptKeepsItUncertain() {
        AtomicInteger attempts = new AtomicInteger();
        try (KvClient kv = client((a, r) -> {
            if (attempts.incrementAndGet() == 1) {
                throw new IOException("injected: the answer was lost");
            }
            throw new IllegalStateException("injected: the transport broke");
        })) {
            assertThrows(OutcomeUnknownException.class, () -> kv.put("k", "v"));
        }
    }

    @Test
    void aKeyWithAnUnpairedSurrogateIsRefusedNotSentAsAnotherKey() {
        try (KvClient kv = client((a, r) -> ScriptedTransport.json(201, "{}"))) {
            assertThrows(IllegalArgumentException.class, () -> kv.put("a\uD800b", "v"));
            kv.put("emoji \uD83D\uDE00", "v"); // a pair is fine
        }
    }

    @Test
    void theBackoffNeverWrapsAroundToAShortWait() {
        Backoff b = new Backoff(Duration.ofSeconds(20), Duration.ofMinutes(30));
        for (int attempt = 1; attempt < 100; attempt++) {
            long wait = b.nanosAfter(attempt);
            assertTrue(wait >= Duration.ofSeconds(10).toNanos() && wait <= Duration.ofMinutes(30).toNanos(),
                    "attempt " + attempt + ": " + wait);
        }
    }
}
