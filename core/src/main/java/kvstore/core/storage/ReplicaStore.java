package kvstore.core.storage;

import kvstore.core.Message;
import kvstore.core.MessageCodec;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What a replica sends its disk, carried out on a {@link Disk}: records ({@link Message.Logged},
 * {@link Message.Remembered}) go to the write-ahead log, a {@link Message.Snapshot} to a snapshot file (after which
 * the log before it can go). The same code runs in the node, over files, and in the simulator, over a
 * {@link MemoryDisk}; only who calls {@link #sync} and when differs.
 *
 * <p>Group commit is the caller's loop: everything accepted is appended at once (to the page cache), and one
 * {@link #sync} makes all of it durable, however many records came while the previous sync ran. The replica counts
 * the records it sent in this life; {@link #sync} returns how many of them are durable, which goes back to it as
 * {@link Message.Persisted}.
 *
 * <p>Recovery ({@link #open}) takes the newest snapshot that proves itself and the log after it. A snapshot marks
 * its place in the log ({@link Message.SnapshotTaken}); if the newest snapshot is bad and the log shows the state was
 * replaced whole after the older one, nothing here can rebuild it, and that is {@link CorruptStorage}: the node must
 * not serve a state it cannot prove.
 */
public final class ReplicaStore {
    /** What a restarted node rebuilds its state from: the snapshot (null: none) and the records after it. */
    public record Recovery(Message.Snapshot snapshot, List<Message> records, List<String> problems) {
        public Recovery {
            records = List.copyOf(records);
            problems = List.copyOf(problems);
        }

        public boolean isEmpty() {
            return snapshot == null && records.isEmpty();
        }
    }

    /** A store ready for this life's records, and what the earlier lives left. */
    public record Opened(ReplicaStore store, Recovery recovery) {
    }

    /** Segments roll over at this size: small enough to delete soon after a snapshot, large enough to be few. */
    public static final long SEGMENT_BYTES = 64L << 20;

    private final WriteAheadLog wal;
    private final Snapshots snapshots;
    private final java.util.Set<kvstore.core.Bug> bugs; // planted (tests only)
    private long received; // records of this life, counted as the replica counts them

    private ReplicaStore(WriteAheadLog wal, Snapshots snapshots, java.util.Set<kvstore.core.Bug> bugs) {
        this.wal = wal;
        this.snapshots = snapshots;
        this.bugs = bugs;
    }

    /**
     * Opens the store in {@code disk}, proving what is there.
     *
     * @throws CorruptStorage naming the file and offset, when the state cannot be proved
     */
    public static Opened open(Disk disk, long segmentBytes) {
        return open(disk, segmentBytes, java.util.Set.of());
    }

    /** The same, with planted storage bugs (tests only; see {@link kvstore.core.Bug}). */
    public static Opened open(Disk disk, long segmentBytes, java.util.Set<kvstore.core.Bug> bugs) {
        List<String> problems = new ArrayList<>();
        Snapshots snapshots = new Snapshots(disk);
        long newestWritten = snapshots.newestOnDisk();
        List<String> bad = new ArrayList<>();
        Optional<Snapshots.Snapshot> newest = snapshots.newest(problems, bad);
        Message.Snapshot snapshot = newest.map(s -> (Message.Snapshot) decode(s.payload(), "snapshot " + s.upTo()))
                .orElse(null);
        long from = newest.map(Snapshots.Snapshot::upTo).orElse(0L);
        List<Message> records = new ArrayList<>();
        WriteAheadLog wal = WriteAheadLog.open(disk, segmentBytes, from, r -> {
            Message m = decode(r.payload(), "record " + r.lsn());
            if (m instanceof Message.SnapshotTaken taken) {
                if (taken.replaced() && (newest.isEmpty() || r.lsn() != from)) { // not the snapshot loaded
                    throw new CorruptStorage(Snapshots.name(r.lsn()), 0, "the state was taken whole from another "
                            + "node at record " + r.lsn() + ", and its snapshot is missing or bad"
                            + (problems.isEmpty() ? "" : " (" + String.join("; ", problems) + ")"));
                }
                return; // the snapshot loaded, or one the records before it rebuild
            }
            records.add(m);
        }, bugs.contains(kvstore.core.Bug.REPLAY_TORN_RECORD));
        if (wal.next() < newestWritten) {
            // A snapshot that did not prove itself stood for records the log no longer holds: what it held is gone
            // (a snapshot whose place the log never marked durably was never relied on: the log then ends there).
            throw new CorruptStorage(Snapshots.name(newestWritten), 0, "the snapshot before record "
                    + newestWritten + " is bad and the log ends at record " + wal.next() + ": "
                    + String.join("; ", problems));
        }
        snapshots.discard(bad); // only now: a refusal above leaves them, and holds at the next start too
        return new Opened(new ReplicaStore(wal, snapshots, bugs), new Recovery(snapshot, records, problems));
    }

    private static Message decode(byte[] payload, String what) {
        try {
            List<Message> ms = MessageCodec.decode(payload);
            if (ms.size() == 1) {
                return ms.getFirst();
            }
        } catch (IllegalArgumentException e) {
            throw new CorruptStorage(what, 0, "passed its checksum but does not decode: " + e.getMessage());
        }
        throw new CorruptStorage(what, 0, "holds more or less than one record");
    }

    /**
     * Takes the replica's next record: appended to the log (durable at the next {@link #sync}), or, for a snapshot,
     * written durably (with everything before it) before the log after it begins.
     */
    public void accept(Message record) {
        switch (record) {
            case Message.Logged l -> wal.append(MessageCodec.encode(List.of(l)));
            case Message.Remembered r -> wal.append(MessageCodec.encode(List.of(r)));
            case Message.Snapshot s -> snapshot(s);
            default -> throw new IllegalArgumentException("a replica's disk does not take " + record);
        }
        received++;
    }

    private void snapshot(Message.Snapshot s) {
        wal.sync(); // the snapshot stands for everything before it, which must therefore be there too
        long at = wal.next();
        // The planted bug files it as the state before a later record: recovery then skips records it lacks.
        snapshots.write(bugs.contains(kvstore.core.Bug.TRUNCATE_PAST_SNAPSHOT) ? at + 2 : at,
                MessageCodec.encode(List.of(s)));
        // Its place in the log is durable before any of the log goes: should this snapshot prove bad later, the
        // log still tells that the state was replaced here (and what came before it is not the way to it).
        wal.append(MessageCodec.encode(List.of(new Message.SnapshotTaken(s.replaced()))));
        wal.sync();
        // Nothing before a state taken whole leads to it; otherwise the log goes back to the older snapshot kept.
        wal.truncateBefore(s.replaced() ? at : snapshots.keepLogFrom());
    }

    /** Makes every record accepted so far durable; returns how many records of this life are. */
    public long sync() {
        long covered = received;
        wal.sync();
        return covered;
    }

    /** Records accepted in this life. */
    public long received() {
        return received;
    }
}
