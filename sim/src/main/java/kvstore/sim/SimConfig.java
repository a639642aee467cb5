package kvstore.sim;

import kvstore.core.Bug;
import kvstore.core.ReplicaConfig;
import kvstore.sim.nemesis.Fault;
import kvstore.sim.nemesis.FaultSchedule;
import kvstore.sim.workload.OperationMix;

import java.util.Collections;
import java.util.EnumSet;
import java.util.Set;
import java.util.SplittableRandom;

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
 * @param mix          what the clients ask for
 * @param faultKinds   the kinds of fault the run's schedule draws from
 * @param swarm        whether each seed draws the run's shape itself ({@link #forSeed}): swarm testing
 * @param disks        whether the nodes keep their state on (simulated) disks; {@link Disks#DRAWN}: in one run of
 *                     two, drawn from its seed
 */
public record SimConfig(int nodes, int clients, int keys, int operations, long clientTimeoutMicros, int retries,
                        ReplicaConfig replica, int controllers, Views views, int largeStoreEvery, OperationMix mix,
                        Set<Fault.Kind> faultKinds, boolean swarm, Disks disks) {
    public static final long TICK_MICROS = 1_000;

    public SimConfig {
        EnumSet<Fault.Kind> kinds = EnumSet.noneOf(Fault.Kind.class);
        kinds.addAll(faultKinds);
        faultKinds = Collections.unmodifiableSet(kinds); // in the enum's order: a shape prints the same every time
    }

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

    /** One shape for every seed: 3 nodes, 4 clients, 4 keys, every kind of fault. */
    public static SimConfig defaults() {
        return new SimConfig(3, 4, 4, 1_000, 150_000, 3, ReplicaConfig.defaults(), 1, Views.DRAWN, 10,
                OperationMix.defaults(), EnumSet.allOf(Fault.Kind.class), false, Disks.DRAWN);
    }

    /** Swarm testing: every seed draws its own shape ({@link #forSeed}). */
    public static SimConfig swarmTesting() {
        return defaults().withSwarm(true);
    }

    /**
     * The shape of the run of this seed. Without swarm, this one. With it, as in swarm testing (Groce et al., ISSTA
     * 2012) and TigerBeetle's VOPR, the seed draws every knob, so that a sweep covers shapes and mixes no single
     * configuration reaches, and a fault kind that hides another (a crash ending the partition that would have
     * shown a bug) is sometimes absent: 1 to 5 nodes, 1 to 8 clients, 1 to 50 keys (log-uniform), the weight of
     * each kind of operation, the values' length (half the runs up to 4 KB), and which kinds of fault are enabled
     * (each in one run of two). The network's loss, duplication, delay and bandwidth and the number of faults are
     * drawn by the schedule ({@link FaultSchedule#random}). The answer has {@code swarm} off: it is the shape.
     */
    public SimConfig forSeed(long seed) {
        if (!swarm) {
            return this;
        }
        SplittableRandom r = new SplittableRandom(seed ^ 0x5A4B3L);
        int n = 1 + r.nextInt(5);
        int c = 1 + r.nextInt(8);
        int k = (int) StrictMath.round(StrictMath.pow(50, r.nextDouble()));
        int valueLength = r.nextBoolean() ? 0 : (int) (16 * StrictMath.pow(256, r.nextDouble()));
        OperationMix m = new OperationMix(r.nextInt(11), 1 + r.nextInt(10), r.nextInt(11), r.nextInt(11),
                r.nextInt(6), valueLength);
        Set<Fault.Kind> kinds = EnumSet.noneOf(Fault.Kind.class);
        for (Fault.Kind kind : Fault.Kind.values()) {
            if (r.nextBoolean() && faultKinds.contains(kind)) { // drawn for every kind: the same seed, the same draws
                kinds.add(kind);
            }
        }
        return new SimConfig(n, c, Math.max(1, k), operations, clientTimeoutMicros, retries, replica, controllers,
                views, largeStoreEvery, m, kinds, false, disks);
    }

    /** The shape in words: what a failure report says of the run beside its seed. */
    public String shape() {
        return nodes + " nodes, " + clients + " clients, " + keys + " keys, " + operations + " operations (" + mix
                + "); faults: " + (faultKinds.size() == Fault.Kind.values().length ? "all kinds" : faultKinds);
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
                largeStoreEvery, mix, faultKinds, swarm, disks);
    }

    public SimConfig withBugs(Set<Bug> bugs) {
        return new SimConfig(nodes, clients, keys, operations, clientTimeoutMicros, retries, replica.withBugs(bugs),
                controllers, views, largeStoreEvery, mix, faultKinds, swarm, disks);
    }

    public SimConfig withControllers(int n) {
        return new SimConfig(nodes, clients, keys, operations, clientTimeoutMicros, retries, replica, n, views,
                largeStoreEvery, mix, faultKinds, swarm, disks);
    }

    public SimConfig withViews(Views v) {
        return new SimConfig(nodes, clients, keys, operations, clientTimeoutMicros, retries, replica, controllers, v,
                largeStoreEvery, mix, faultKinds, swarm, disks);
    }

    public SimConfig withLargeStoreEvery(int every) {
        return new SimConfig(nodes, clients, keys, operations, clientTimeoutMicros, retries, replica, controllers,
                views, every, mix, faultKinds, swarm, disks);
    }

    public SimConfig withDisks(Disks mode) {
        return new SimConfig(nodes, clients, keys, operations, clientTimeoutMicros, retries, replica, controllers,
                views, largeStoreEvery, mix, faultKinds, swarm, mode);
    }

    /** Whether the nodes keep their state on disks. */
    public enum Disks {
        /** In memory only: a crash loses a node's state (the store keeps writes while one replica lives). */
        NONE,
        /** On simulated disks, with fsync latency, torn writes at crashes, and every node dying at once. */
        ALL,
        /** One of the two, drawn from the seed, half and half. */
        DRAWN;

        /** Whether the run of this seed keeps its nodes' state on disks. */
        public boolean forSeed(long seed) {
            return this == ALL || this == DRAWN && new SplittableRandom(seed ^ 0xD15CL).nextBoolean();
        }
    }

    /** Only these kinds of fault (a swarm seed enables a subset of them). */
    public SimConfig withFaultKinds(Set<Fault.Kind> kinds) {
        return new SimConfig(nodes, clients, keys, operations, clientTimeoutMicros, retries, replica, controllers,
                views, largeStoreEvery, mix, kinds, swarm, disks);
    }

    public SimConfig withSwarm(boolean on) {
        return new SimConfig(nodes, clients, keys, operations, clientTimeoutMicros, retries, replica, controllers,
                views, largeStoreEvery, mix, faultKinds, on, disks);
    }
}
