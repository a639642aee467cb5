package kvstore.node.server;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** A request the core never answers is failed once its time is up, and not before; an answered one is left be. */
class AnswerDeadlinesTest {
    private static final Duration TIMEOUT = Duration.ofMillis(100);

    @Test
    void anUnansweredRequestFailsWithATimeoutOnceDueAndNotBefore() {
        AnswerDeadlines<String> deadlines = new AnswerDeadlines<>();
        CompletableFuture<String> answered = new CompletableFuture<>();
        CompletableFuture<String> unanswered = new CompletableFuture<>();
        CompletableFuture<String> later = new CompletableFuture<>();
        deadlines.add(answered, 0, TIMEOUT);
        deadlines.add(unanswered, 10, TIMEOUT);
        deadlines.add(later, 1_000_000_000, TIMEOUT);
        answered.complete("ok");

        deadlines.failOverdue(TIMEOUT.toNanos() + 9);
        assertFalse(unanswered.isDone(), "one nanosecond early");
        assertEquals(2, deadlines.size(), "the answered one at the head is forgotten");

        deadlines.failOverdue(TIMEOUT.toNanos() + 10);
        ExecutionException e = assertThrows(ExecutionException.class, unanswered::get);
        assertInstanceOf(TimeoutException.class, e.getCause());
        assertEquals("ok", answered.join());
        assertFalse(later.isDone());
        assertEquals(1, deadlines.size());
    }

    @Test
    void answeredRequestsLeaveTheQueueOnceTheHeadIsAnswered() {
        AnswerDeadlines<String> deadlines = new AnswerDeadlines<>();
        for (int i = 0; i < 1000; i++) {
            CompletableFuture<String> f = new CompletableFuture<>();
            deadlines.add(f, i, TIMEOUT);
            f.complete("ok");
        }
        deadlines.failOverdue(0); // none is due yet, but all are answered: the queue does not grow with the load
        assertEquals(0, deadlines.size());
    }
}
