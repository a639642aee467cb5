package kvstore.node.server;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeoutException;

/**
 * Bounds how long requests wait for the core without a timer per request: each future is queued with its deadline
 * in the order requests came, and {@link #failOverdue} (run every tick by the host, on a thread of its own so that a
 * stalled loop cannot hold it up) fails those still unanswered past it with a {@link TimeoutException}. A timed wait
 * in each request did the same at a higher price: under load, scheduling and cancelling one timer per request on the
 * virtual threads' delay scheduler took about 6% of a node's CPU (async-profiler, 64 writers).
 *
 * <p>Every request should get the same timeout: the queue is looked at from its head, so one with a later deadline
 * holds up those behind it until it is answered or due.
 */
final class AnswerDeadlines<T> {
    private record Deadline<T>(CompletableFuture<T> answer, long at) {
    }

    private final ConcurrentLinkedQueue<Deadline<T>> queue = new ConcurrentLinkedQueue<>();

    /** {@code answer} fails once {@code timeout} from {@code now} (nanoTime) has passed without it. */
    void add(CompletableFuture<T> answer, long now, Duration timeout) {
        queue.add(new Deadline<>(answer, now + timeout.toNanos()));
    }

    /** Fails the unanswered futures due at {@code now}; forgets the answered ones at the head. */
    void failOverdue(long now) {
        for (Deadline<T> d = queue.peek(); d != null && (d.answer().isDone() || now - d.at() >= 0);
             d = queue.peek()) {
            queue.poll();
            d.answer().completeExceptionally(new TimeoutException("no answer in time"));
        }
    }

    /** How many are queued, answered or not (tests). */
    int size() {
        return queue.size();
    }
}
