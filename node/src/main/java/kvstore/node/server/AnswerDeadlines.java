package kvstore.node.server;

import java.time.Duration;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Consumer;

/**
 * Bounds how long requests wait for the core without a timer per request: each request's handle is queued with its
 * deadline in the order requests came, and {@link #dueBy} (run every tick by the host, on the loop's ticker thread, so
 * that a stalled loop cannot hold it up) hands over those past it; the host fails any of them still unanswered. A
 * timed wait in each request did the same at a higher price: under load, scheduling and cancelling one timer per
 * request on the virtual threads' delay scheduler took about 6% of a node's CPU (async-profiler, 64 writers).
 *
 * <p>Only handles are kept, not the answers: an answered request's result (a copy of the whole store, for
 * {@code GET /data}) must not outlive its response by the timeout. Every request should get the same timeout, since
 * the queue is looked at from its head; one consumer at a time (the ticker's one thread).
 */
final class AnswerDeadlines<H> {
    private record Deadline<H>(H handle, long at) {
    }

    private final ConcurrentLinkedQueue<Deadline<H>> queue = new ConcurrentLinkedQueue<>();

    /** {@code handle} is due once {@code timeout} from {@code now} (nanoTime) has passed. */
    void add(H handle, long now, Duration timeout) {
        queue.add(new Deadline<>(handle, now + timeout.toNanos()));
    }

    /** Takes the handles due at {@code now} off the queue, oldest first, and hands each to {@code due}. */
    void dueBy(long now, Consumer<H> due) {
        for (Deadline<H> d = queue.peek(); d != null && now - d.at() >= 0; d = queue.peek()) {
            queue.poll();
            due.accept(d.handle());
        }
    }

    /** How many are queued (tests). */
    int size() {
        return queue.size();
    }
}
