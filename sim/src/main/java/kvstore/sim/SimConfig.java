package kvstore.sim;

import kvstore.node.core.Bug;
import kvstore.node.core.ReplicaConfig;

import java.util.Set;

/**
 * The shape of one simulated run. Times are virtual microseconds; nodes tick every millisecond.
 *
 * @param operations   client operations in the whole run (the final reads come on top)
 * @param clientTimeoutMicros how long a client waits for an answer before it retries
 * @param retries      how many times a client retries one operation before recording its outcome as unknown
 * @param controllers  how many failover controllers run at once (ctl1, ctl2, ...): they decide every view
 */
public record SimConfig(int nodes, int clients, int keys, int operations, long clientTimeoutMicros, int retries,
                        ReplicaConfig replica, int controllers) {
    public static final long TICK_MICROS = 1_000;

    public static SimConfig defaults() {
        return new SimConfig(3, 4, 4, 1_000, 150_000, 3, ReplicaConfig.defaults(), 1);
    }

    public SimConfig withOperations(int n) {
        return new SimConfig(nodes, clients, keys, n, clientTimeoutMicros, retries, replica, controllers);
    }

    public SimConfig withBugs(Set<Bug> bugs) {
        return new SimConfig(nodes, clients, keys, operations, clientTimeoutMicros, retries, replica.withBugs(bugs),
                controllers);
    }

    public SimConfig withControllers(int n) {
        return new SimConfig(nodes, clients, keys, operations, clientTimeoutMicros, retries, replica, n);
    }
}
