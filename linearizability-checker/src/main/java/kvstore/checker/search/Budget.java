package kvstore.checker.search;

import java.time.Duration;

/**
 * How long a search may run and how much memory it may hold. A search that exceeds it stops with
 * {@link Verdict#UNKNOWN} rather than hang, guess or exhaust the heap. One budget may be shared by the searches
 * of many keys, and stopped for all of them at once ({@link #stop}).
 */
public final class Budget {
    private final long deadlineNanos;
    private final long maxSearchBytes;
    private final long maxSteps;
    private final Budget parent; // stopping it stops this one
    private final java.util.concurrent.atomic.AtomicReference<String> stopped =
            new java.util.concurrent.atomic.AtomicReference<>();

    private Budget(long deadlineNanos, long maxSearchBytes, long maxSteps, Budget parent) {
        this.deadlineNanos = deadlineNanos;
        this.maxSearchBytes = maxSearchBytes;
        this.maxSteps = maxSteps;
        this.parent = parent;
    }

    /**
     * @param maxSearchBytes what one search may hold in memory at once, estimated (its remembered configurations
     *                       and their states); a search that would need more says UNKNOWN
     */
    public static Budget of(Duration time, long maxSearchBytes) {
        return new Budget(System.nanoTime() + Math.min(time.toNanos(), Long.MAX_VALUE / 4), maxSearchBytes,
                Long.MAX_VALUE, null);
    }

    public static Budget unlimited() {
        return of(Duration.ofDays(365), Long.MAX_VALUE);
    }

    /** The same deadline, and stopped with this one, but with less memory for each search. */
    public Budget withMaxSearchBytes(long bytes) {
        return new Budget(deadlineNanos, Math.min(bytes, maxSearchBytes), maxSteps, this);
    }

    /** The same, but each search may take at most {@code steps} model steps: for a quick first try. */
    public Budget withMaxSteps(long steps) {
        return new Budget(deadlineNanos, maxSearchBytes, Math.min(steps, maxSteps), this);
    }

    /** Whether searches under this budget must stop: out of time, or stopped. */
    public boolean expired() {
        return stoppedBecause() != null || System.nanoTime() - deadlineNanos > 0;
    }

    /** Why the searches stopped, once {@link #expired()}. */
    public String whyExpired() {
        String why = stoppedBecause();
        return why != null ? why : "time budget exhausted";
    }

    private String stoppedBecause() {
        String why = stopped.get();
        return why != null ? why : parent != null ? parent.stoppedBecause() : null;
    }

    /** Stops every search under this budget, for the reason given (the first reason stays). */
    public void stop(String reason) {
        stopped.compareAndSet(null, reason);
    }

    public long maxSearchBytes() {
        return maxSearchBytes;
    }

    public long maxSteps() {
        return maxSteps;
    }
}
