package kvstore.checker.search;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * How long a search may run and how much it may remember. A search that exceeds it stops with
 * {@link Verdict#UNKNOWN} rather than hang or guess.
 */
public final class Budget {
    private final long deadlineNanos;
    private final long maxMemoEntries;
    private final AtomicBoolean cancelled;

    private Budget(long deadlineNanos, long maxMemoEntries, AtomicBoolean cancelled) {
        this.deadlineNanos = deadlineNanos;
        this.maxMemoEntries = maxMemoEntries;
        this.cancelled = cancelled;
    }

    public static Budget of(Duration time, long maxMemoEntries) {
        return new Budget(System.nanoTime() + Math.min(time.toNanos(), Long.MAX_VALUE / 4), maxMemoEntries,
                new AtomicBoolean());
    }

    public static Budget unlimited() {
        return of(Duration.ofDays(365), Long.MAX_VALUE);
    }

    /** A budget that ends at the earlier of this one's deadline and {@code time} from now. */
    public Budget narrowedTo(Duration time) {
        long deadline = Math.min(deadlineNanos, System.nanoTime() + Math.min(time.toNanos(), Long.MAX_VALUE / 4));
        return new Budget(deadline, maxMemoEntries, cancelled);
    }

    public boolean expired() {
        return cancelled.get() || System.nanoTime() - deadlineNanos > 0;
    }

    public Duration remaining() {
        return Duration.ofNanos(Math.max(0, deadlineNanos - System.nanoTime()));
    }

    public long maxMemoEntries() {
        return maxMemoEntries;
    }

    /** Stops every search that shares this budget (or one narrowed from it). */
    public void cancel() {
        cancelled.set(true);
    }
}
