package kvstore.core.control;

import kvstore.core.Bug;

import java.util.Set;

/**
 * The controller's timing, in its own ticks (the simulator ticks every virtual millisecond, the production
 * controller every 10 ms by default).
 *
 * @param probeEvery   how often every node is asked for its state (the heartbeat)
 * @param suspectAfter a node that has not answered a probe sent this long ago counts as unreachable
 * @param resendEvery  how often an unanswered prepare, accept or new view is sent again
 * @param phaseTimeout a round that has not gathered a majority in this long is given up
 * @param settle       how long a view may stay not established (a backup still syncing, a node fenced by another
 *                     controller's round) before this controller steps in
 * @param backoff      after a failed round, wait a random time up to this before the next (two controllers must
 *                     not keep outbidding each other)
 * @param dropFor      a backup the primary reported as lagging (or a primary cut off from most of its backups) is
 *                     left out of views for this long, doubled each time again
 * @param minViewSize  the fewest members a view it decides may have (like Kafka's {@code min.insync.replicas}):
 *                     1 keeps the store writable down to one reachable node, whose copy is then the only one;
 *                     2 never acknowledges a write held by fewer than two nodes, and refuses writes instead
 * @param bugs         planted bugs (tests only; see {@link Bug})
 */
public record ControllerConfig(int probeEvery, int suspectAfter, int resendEvery, int phaseTimeout, int settle,
                               int backoff, int dropFor, int minViewSize, Set<Bug> bugs) {
    public ControllerConfig {
        bugs = Set.copyOf(bugs);
        if (probeEvery <= 0 || suspectAfter <= probeEvery || resendEvery <= 0 || phaseTimeout <= resendEvery
                || settle <= 0 || backoff <= 0 || dropFor < 0) {
            throw new IllegalArgumentException("inconsistent controller timing: " + this);
        }
        if (minViewSize < 1) {
            throw new IllegalArgumentException("a smallest view of " + minViewSize + " nodes");
        }
    }

    /**
     * In ticks: with the simulator's 1 ms ticks a dead primary is suspected after 50 ms, with the production
     * controller's 10 ms ticks after half a second (real networks and garbage collectors pause longer).
     */
    public static ControllerConfig defaults() {
        return new ControllerConfig(10, 50, 10, 100, 200, 100, 300, 1, Set.of());
    }

    public ControllerConfig withBugs(Set<Bug> planted) {
        return new ControllerConfig(probeEvery, suspectAfter, resendEvery, phaseTimeout, settle, backoff, dropFor,
                minViewSize, planted);
    }

    public ControllerConfig withMinViewSize(int members) {
        return new ControllerConfig(probeEvery, suspectAfter, resendEvery, phaseTimeout, settle, backoff, dropFor,
                members, bugs);
    }
}
