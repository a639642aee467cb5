package kvstore.node.core;

import java.util.EnumSet;
import java.util.Set;

/**
 * @param replicationTimeoutTicks after this many ticks without every backup's acknowledgement, the client is told
 *                                the operation is unavailable (it stays in the log and may still take effect)
 * @param retransmitTicks         how often unacknowledged replication and state transfer are sent again
 * @param forwardTimeoutTicks     how long a node waits for the primary's answer to a forwarded request
 * @param failureDetectionTicks   a primary that has heard nothing from a backup for this long takes it for
 *                                unreachable and refuses new operations at once (they could never be acknowledged)
 * @param bugs                    planted protocol bugs (tests only)
 */
public record ReplicaConfig(int replicationTimeoutTicks, int retransmitTicks, int forwardTimeoutTicks,
                            int failureDetectionTicks, Set<Bug> bugs) {
    public ReplicaConfig {
        bugs = bugs.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(bugs));
        if (failureDetectionTicks <= retransmitTicks) {
            throw new IllegalArgumentException("failure detection must outlast several heartbeats (every "
                    + retransmitTicks + " ticks), not " + failureDetectionTicks + " ticks");
        }
    }

    public static ReplicaConfig defaults() {
        return new ReplicaConfig(100, 5, 150, 50, Set.of());
    }

    public ReplicaConfig withBugs(Set<Bug> planted) {
        return new ReplicaConfig(replicationTimeoutTicks, retransmitTicks, forwardTimeoutTicks, failureDetectionTicks,
                planted);
    }

    boolean has(Bug bug) {
        return bugs.contains(bug);
    }
}
