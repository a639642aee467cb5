package kvstore.core.storage;

import java.util.ArrayList;
import java.util.List;

/**
 * Group commit over a {@link WriteAheadLog}: writes submitted while a sync runs wait and go together in the next
 * one, so one {@code fsync} makes many operations durable, and a burst costs one sync more, not one per operation.
 * The same logic runs in the node (a storage thread calls {@link #begin}, then {@link #finish}, which blocks in
 * {@code fsync}) and in the simulator (the finish is an event some virtual time later; a crash in between loses
 * what was appended, as on a real disk).
 *
 * @param <T> what is handed back when a write is durable (the core's completion)
 */
public final class GroupCommit<T> {
    private record Pending<T>(List<byte[]> records, T done) {
    }

    private final WriteAheadLog wal;
    private List<Pending<T>> queued = new ArrayList<>();
    private List<T> syncing; // the writes of the sync under way (null: none)
    private long syncs;

    public GroupCommit(WriteAheadLog wal) {
        this.wal = wal;
    }

    /** Queues records to be made durable; {@code done} comes back from the {@link #finish} that covers them. */
    public void submit(List<byte[]> records, T done) {
        queued.add(new Pending<>(List.copyOf(records), done));
    }

    /**
     * If no sync is under way and writes are queued: appends them all to the log (not yet durable) and returns
     * true; the caller then runs {@link #finish}. False when there is nothing to do or a sync already runs.
     */
    public boolean begin() {
        if (syncing != null || queued.isEmpty()) {
            return false;
        }
        List<Pending<T>> batch = queued;
        queued = new ArrayList<>();
        syncing = new ArrayList<>(batch.size());
        for (Pending<T> p : batch) {
            for (byte[] r : p.records()) {
                wal.append(r);
            }
            syncing.add(p.done());
        }
        return true;
    }

    /** Syncs the log; returns the completions of every write the sync covered, in the order they were submitted. */
    public List<T> finish() {
        if (syncing == null) {
            throw new IllegalStateException("no sync was begun");
        }
        wal.sync();
        syncs++;
        List<T> done = syncing;
        syncing = null;
        return done;
    }

    public boolean syncing() {
        return syncing != null;
    }

    public int queued() {
        return queued.size();
    }

    /** Syncs finished so far: with the writes submitted, how well writes were grouped. */
    public long syncs() {
        return syncs;
    }
}
