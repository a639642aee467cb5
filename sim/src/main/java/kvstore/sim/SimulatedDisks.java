package kvstore.sim;

import kvstore.core.Message;
import kvstore.core.Replica;
import kvstore.core.ReplicaConfig;
import kvstore.core.storage.CorruptStorage;
import kvstore.core.storage.MemoryDisk;
import kvstore.core.storage.ReplicaStore;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The nodes' disks in a simulated run: each node's {@link ReplicaStore} over a {@link MemoryDisk} that outlives
 * the node's crashes. The store's code is production's; only time is simulated. A sync takes a drawn time (one in
 * 200 much longer: a stalled disk), and what a node sends its disk during a sync waits for the next one (group
 * commit); when a sync completes, what was written before it began is durable (not what came during it), and the
 * node hears {@link Message.Persisted} for that. A sync also takes the time to write its bytes (a snapshot of a
 * large store costs). A crash keeps only what was synced, sometimes with a torn last write.
 */
final class SimulatedDisks {
    /** When a sync completes: deliver this to the node, unless it crashed since. */
    interface Events {
        void at(long time, Runnable action);

        long now();

        void persisted(String node, long upTo);

        void note(String text);

        /** A disk stalls (a sync many times slower than usual), or recovers: a fault while it lasts. */
        void stalled(boolean begins);

        /**
         * A restart found its disk unprovable. The simulator tears only unsynced writes, which recovery must cut
         * cleanly, so this is a bug of the storage code (or of what the replica wrote), not a fault it injected.
         */
        void unprovable(String node, RuntimeException why);
    }

    /** How fast a disk writes what a sync makes durable: 200 MB/s, so that a snapshot of a large store costs. */
    private static final long BYTES_PER_MICRO = 200;

    /** Segments small enough that runs roll them over and delete them after snapshots. */
    private static final long SEGMENT_BYTES = 64 << 10;

    private static final class NodeDisk {
        MemoryDisk disk = new MemoryDisk();
        ReplicaStore store; // null while the node is down
        boolean syncing;
        boolean syncDue;    // a sync begins once the step that wrote ends
        long life;          // grows with every crash: a sync begun in an earlier life completes nothing
        long bytesSynced;   // of the disk's bytes written, those a sync has already paid for
        String damage;      // a fault this simulation did to what the disk holds (null: none since it was proved)

        NodeDisk() {
            store = ReplicaStore.open(disk, SEGMENT_BYTES).store();
        }
    }

    private final Map<String, NodeDisk> disks = new LinkedHashMap<>();
    private final SplittableRandom random;
    private final Events events;
    private final long syncMicros;   // a sync's usual time
    private final int snapshotEvery;

    /**
     * @param largeStore the nodes start with a large store: a snapshot is written rarely (each is a copy of all of it)
     */
    SimulatedDisks(SplittableRandom random, Events events, boolean largeStore) {
        this.random = random;
        this.events = events;
        this.syncMicros = (long) (50 * StrictMath.pow(100, random.nextDouble())); // 50 us (NVMe) to 5 ms (disk)
        this.snapshotEvery = largeStore ? 100_000 : (int) (50 * StrictMath.pow(40, random.nextDouble())); // 50 to 2,000
    }

    /** A node's first life: an empty disk. */
    Replica firstLife(String node, Replica replica) {
        disks.put(node, new NodeDisk());
        return replica.keepOnDisk(snapshotEvery);
    }

    /** What a node sent its disk: appended at once, durable at the end of the sync that begins after it. */
    void write(String node, Message record) {
        NodeDisk d = disks.get(node);
        if (d.store == null) {
            return; // sent in the instant of its crash: never written
        }
        d.store.accept(record);
        if (!d.syncing && !d.syncDue) {
            // After the step that wrote it (every record of a step in one sync, as the node's storage thread takes
            // everything queued), unless a sync is under way: then the next one, when it completes.
            d.syncDue = true;
            long life = d.life;
            events.at(events.now(), () -> {
                d.syncDue = false;
                if (d.life == life && !d.syncing) {
                    beginSync(node, d);
                }
            });
        }
    }

    private void beginSync(String node, NodeDisk d) {
        d.syncing = true;
        long life = d.life;
        long covered = d.store.received();
        MemoryDisk.Written written = d.disk.written(); // what a crash during the sync may still lose
        long bytes = Math.max(0, d.disk.bytesWritten() - d.bytesSynced);
        d.bytesSynced = d.disk.bytesWritten();
        // A stall lasts 10 to 90 ms: up to near the replication timeout (100 ticks), as production's fsync stalls
        // of 100 ms to a second are near its timeout of a second (the simulator's tick is a tenth of production's).
        boolean stall = random.nextInt(200) == 0;
        long takes = (stall ? 10_000 + random.nextInt(80_000) : syncMicros / 2
                + (long) (random.nextDouble() * syncMicros)) + bytes / BYTES_PER_MICRO;
        if (stall) {
            events.stalled(true);
        }
        events.at(events.now() + takes, () -> {
            if (stall) {
                events.stalled(false);
            }
            if (d.life != life) {
                return; // the node crashed meanwhile: the crash decided what this sync kept
            }
            d.disk.syncWritten(written);
            d.syncing = false;
            events.persisted(node, covered);
            if (!d.syncing && d.store != null && d.store.received() > covered) {
                beginSync(node, d); // what came during this sync
            }
        });
    }

    /**
     * A node's crash: what its disk did not sync is lost, and the last write may be torn. With {@code mayDamage}
     * (another node holds everything this one does), one crash in four also damages what was durable: a bit flipped
     * or a sector unreadable in one of its files, as a failing disk does.
     */
    void crash(String node, boolean mayDamage) {
        NodeDisk d = disks.get(node);
        d.life++;
        d.syncing = false;
        d.syncDue = false;
        d.store = null;
        d.disk.crash(random, random.nextBoolean());
        if (mayDamage && random.nextInt(4) == 0) {
            // Not the log's last segment: a bit flipped in its last record looks like a torn write and is cut,
            // which recovery cannot tell apart (docs/protocol.md, "Durability"), and a test of it would only show that.
            String lastSegment = d.disk.list().stream().filter(f -> f.startsWith("wal-")).reduce((a, b) -> b)
                    .orElse("");
            java.util.List<Map.Entry<String, Integer>> files = d.disk.lengths().entrySet().stream()
                    .filter(f -> f.getValue() > 0 && !f.getKey().equals(lastSegment)).toList();
            if (!files.isEmpty()) {
                Map.Entry<String, Integer> f = files.get(random.nextInt(files.size()));
                long offset = random.nextInt(f.getValue());
                if (random.nextBoolean()) {
                    d.disk.corrupt(f.getKey(), offset, random.nextInt(8));
                    d.damage = "a bit flipped in " + f.getKey() + " at " + offset;
                } else {
                    d.disk.makeUnreadable(f.getKey(), offset);
                    d.damage = "an unreadable sector in " + f.getKey() + " at " + offset;
                }
                events.note("disk of " + node + " damaged: " + d.damage);
            }
        }
    }

    /**
     * A node's next life, from what its disk proves, started as its first life was ({@code started}: founding a
     * cluster, or asking whether it does; what it founded or held is on its disk). A disk it cannot prove is
     * replaced by an empty one (an operator's repair): the node then joins empty, as one without a disk restarts,
     * and takes the state from a peer.
     */
    Replica restart(String node, long life, ReplicaConfig config, java.util.function.LongFunction<Replica> started) {
        NodeDisk d = disks.get(node);
        Replica replica = started.apply(life).keepOnDisk(snapshotEvery);
        try {
            ReplicaStore.Opened opened = ReplicaStore.open(d.disk, SEGMENT_BYTES, config.bugs());
            replica.recover(opened.recovery().snapshot(), opened.recovery().records());
            d.store = opened.store();
            d.damage = null;
            events.note("restart " + node + " from its disk: position " + replica.appliedSeq() + ", synced in view "
                    + replica.syncedView() + (opened.recovery().problems().isEmpty() ? ""
                    : ", passed over: " + opened.recovery().problems()));
            return replica;
        } catch (CorruptStorage e) {
            if (d.damage == null) {
                events.unprovable(node, e); // nothing damaged it: the storage code (or the replica) is wrong
            }
            events.note("restart " + node + ": its disk cannot be proved (" + e.getMessage() + "); replaced by an "
                    + "empty one, the node joins empty");
            d.disk = new MemoryDisk();
            d.bytesSynced = 0;
            d.damage = null;
            d.store = ReplicaStore.open(d.disk, SEGMENT_BYTES).store();
            return new Replica(node, life, config).keepOnDisk(snapshotEvery);
        }
    }

    /** The disks' settings, for a run's report. */
    String describe() {
        return "disks: sync ~" + syncMicros + " us, a snapshot every " + snapshotEvery + " operations";
    }
}
