package kvstore.core;

import java.util.EnumSet;
import java.util.Set;

/**
 * @param replicationTimeoutTicks after this many ticks without every backup's acknowledgement, the client is told
 *                                the operation is unavailable (it stays in the log and may still take effect); a
 *                                backup catching up that made no progress for this long is reported lagging
 * @param retransmitTicks         how often unacknowledged replication is sent again, and heartbeats go out
 * @param forwardTimeoutTicks     how long a node waits for the primary's answer to a forwarded request
 * @param failureDetectionTicks   a primary that has heard nothing from a backup for this long takes it for
 *                                unreachable and refuses new operations at once (they could never be acknowledged)
 * @param logKept                 how many recent operations a node keeps to bring a backup back by log suffix
 * @param resultsKept             at most this many write results are kept for retries (R6)
 * @param resultHorizonTicks      and each for at most this long: the retry horizon of an Idempotency-Key
 * @param bugs                    planted protocol bugs (tests only)
 */
public record ReplicaConfig(int replicationTimeoutTicks, int retransmitTicks, int forwardTimeoutTicks,
                            int failureDetectionTicks, int logKept, int resultsKept, long resultHorizonTicks,
                            Set<Bug> bugs) {
    public ReplicaConfig {
        bugs = bugs.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(bugs));
        if (failureDetectionTicks <= retransmitTicks) {
            throw new IllegalArgumentException("failure detection must outlast several heartbeats (every "
                    + retransmitTicks + " ticks), not " + failureDetectionTicks + " ticks");
        }
        if (logKept < 1 || resultsKept < 1 || resultHorizonTicks < 1) {
            throw new IllegalArgumentException("the log and the results table keep something: " + logKept + ", "
                    + resultsKept + ", " + resultHorizonTicks);
        }
    }

    /** Timing only; the log and results tables at their production sizes. */
    public ReplicaConfig(int replicationTimeoutTicks, int retransmitTicks, int forwardTimeoutTicks,
                         int failureDetectionTicks, Set<Bug> bugs) {
        this(replicationTimeoutTicks, retransmitTicks, forwardTimeoutTicks, failureDetectionTicks, LOG_KEPT,
                RESULTS_KEPT, RESULT_HORIZON_TICKS, bugs);
    }

    /** Recent operations kept for catch-up: at about 150 bytes each, some 15 MB. */
    public static final int LOG_KEPT = 100_000;
    /** Write results kept for retries: at about 100 bytes each, some 10 MB. */
    public static final int RESULTS_KEPT = 100_000;
    /** And the log at most this many bytes (as {@link Sizes} counts them): values may be large. */
    public static final long LOG_BYTES_KEPT = 64L << 20;
    /** And the results at most this many (a failed cas records the current value). */
    public static final long RESULT_BYTES_KEPT = 32L << 20;
    /**
     * Whole-store reads hold a copy of the store until confirmed: at most this many keys in all such copies at once
     * (a read beyond it is refused, certainly not applied, instead of the heap growing with every one).
     */
    public static final long WAITING_GET_ALL_KEYS = 2_000_000;
    /** Ten minutes of production ticks (10 ms). */
    public static final long RESULT_HORIZON_TICKS = 60_000;

    public static ReplicaConfig defaults() {
        return new ReplicaConfig(100, 5, 150, 50, Set.of());
    }

    public ReplicaConfig withBugs(Set<Bug> planted) {
        return new ReplicaConfig(replicationTimeoutTicks, retransmitTicks, forwardTimeoutTicks, failureDetectionTicks,
                logKept, resultsKept, resultHorizonTicks, planted);
    }

    public ReplicaConfig withLogKept(int entries) {
        return new ReplicaConfig(replicationTimeoutTicks, retransmitTicks, forwardTimeoutTicks, failureDetectionTicks,
                entries, resultsKept, resultHorizonTicks, bugs);
    }

    boolean has(Bug bug) {
        return bugs.contains(bug);
    }
}
