package kvstore.checker.search;

import java.time.Duration;

/**
 * How long a search may run and how much it may remember. A search that exceeds it stops with
 * {@link Verdict#UNKNOWN} rather than hang or guess.
 */
public final class Budget {
    private final long deadlineNanos;
    private final long maxMemoEntries;

    private Budget(long deadlineNanos, long maxMemoEntries) {
        this.deadlineNanos = deadlineNanos;
        this.maxMemoEntries = maxMemoEntries;
    }

    public static Budget of(Duration time, long maxMemoEntries) {
        return new Budget(System.nanoTime() + Math.min(time.toNanos(), Long.MAX_VALUE / 4), maxMemoEntries);
    }

    public static Budget unlimited() {
        return of(Duration.ofDays(365), Long.MAX_VALUE);
    }

    public boolean expired() {
        return System.nanoTime() - deadlineNanos > 0;
    }

    public long maxMemoEntries() {
        return maxMemoEntries;
    }
}
