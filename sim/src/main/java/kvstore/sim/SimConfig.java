package kvstore.sim;

import kvstore.core.Bug;
import kvstore.core.ReplicaConfig;

import java.util.Set;

/**
 * The shape of one simulated run. Times are virtual microseconds; nodes tick every millisecond.
 *
 * @param operations   client operations in the whole run (the final reads come on top)
 * @param clientTimeoutMicros how long a client waits for an answer before it retries
 * @param retries      how many times a client retries one operation before recording its outcome as unknown
 * @param controllers  how many failover controllers run at once (ctl1, ctl2, ...) when controllers decide views
 * @param views        who decides the views; {@link Views#DRAWN}: drawn from each run's seed
 * @param largeStoreEvery one run in this many (drawn from its seed) starts with a large store: see
 *                     {@link #storeKeysFor}; 0: none, 1: every run
 */
public record SimConfig(int nodes, int clients, int keys, int operations, long clientTimeoutMicros, int retries,
                        ReplicaConfig replica, int controllers, Views views, int largeStoreEvery) {
    public static final long TICK_MICROS = 1_000;

    /** Who installs views. */
    public enum Views {
        /** Failover controllers, from the start (the nodes found the cluster). */
        CONTROLLERS,
        /**
         * An operator like the prototype's graders ({@link kvstore.sim.operator.GraderOperator}); the nodes start
         * as the prototype's do, not told whether they found a cluster.
         */
        OPERATOR,
        /** The operator first; then it stops and the controllers take the cluster over. */
        OPERATOR_THEN_CONTROLLERS,
        /** The controllers first; then they stop, and the operator takes the cluster back by hand. */
        CONTROLLERS_THEN_OPERATOR,
        /** One of the above, drawn from the seed. */
        DRAWN;

        /** The mode of a run: a DRAWN config takes one from the seed, the others are themselves. */
        public Views forSeed(long seed) {
            if (this != DRAWN) {
                return this;
            }
            long modes = values().length - 1; // every one but DRAWN
            return values()[(int) Math.floorMod(new java.util.SplittableRandom(seed ^ 0x0FE7A7E5L).nextLong(), modes)];
        }
    }

    public static SimConfig defaults() {
        return new SimConfig(3, 4, 4, 1_000, 150_000, 3, ReplicaConfig.defaults(), 1, Views.DRAWN, 10);
    }

    /**
     * How many keys a run's store holds before its clients start (0: none): in one run in {@link #largeStoreEvery},
     * 10,000 to 200,000 (log-uniform), loaded into every founding node, so that a node that restarts or falls behind
     * must be brought back with a state whose transfer takes time on the simulated links. The clients work on their
     * few keys as always; the loaded keys must come through every transfer unchanged.
     */
    public int storeKeysFor(long seed) {
        java.util.SplittableRandom r = new java.util.SplittableRandom(seed ^ 0x1A26E5L);
        if (largeStoreEvery == 0 || r.nextInt(largeStoreEvery) != 0) {
            return 0;
        }
        return (int) (10_000 * StrictMath.pow(20, r.nextDouble()));
    }

    /**
     * The replicas' configuration in the run of this seed: in one run in three, a log of recent operations too
     * short (20 to 500) to bring back most backups by suffix, so that full transfers and a stream that falls behind
     * the log are exercised as much as catch-up by suffix.
     */
    public ReplicaConfig replicaFor(long seed) {
        java.util.SplittableRandom r = new java.util.SplittableRandom(seed ^ 0x106C0DEL);
        return r.nextInt(3) == 0 ? replica.withLogKept(20 + r.nextInt(481)) : replica;
    }

    public SimConfig withOperations(int n) {
        return new SimConfig(nodes, clients, keys, n, clientTimeoutMicros, retries, replica, controllers, views,
                largeStoreEvery);
    }

    public SimConfig withBugs(Set<Bug> bugs) {
        return new SimConfig(nodes, clients, keys, operations, clientTimeoutMicros, retries, replica.withBugs(bugs),
                controllers, views, largeStoreEvery);
    }

    public SimConfig withControllers(int n) {
        return new SimConfig(nodes, clients, keys, operations, clientTimeoutMicros, retries, replica, n, views,
                largeStoreEvery);
    }

    public SimConfig withViews(Views v) {
        return new SimConfig(nodes, clients, keys, operations, clientTimeoutMicros, retries, replica, controllers, v,
                largeStoreEvery);
    }

    public SimConfig withLargeStoreEvery(int every) {
        return new SimConfig(nodes, clients, keys, operations, clientTimeoutMicros, retries, replica, controllers,
                views, every);
    }
}
