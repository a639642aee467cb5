package kvstore.core;

import kvstore.core.Message.CatchUp;

import java.util.List;
import java.util.TreeMap;

/**
 * As a backup: the catch-up it is taking (docs/protocol.md, "Catch-up"). Batches are applied strictly in order; one
 * that arrives early waits here (at most a window's worth). A full transfer is received into a copy of its own
 * (data, results, position), which replaces the node's state only when complete: until then the node keeps the
 * complete state it held. In it, the keys received so far are the ones up to {@link #lastKey}: an operation changes
 * only those, because the pieces still to come are as of later positions and already include it.
 */
final class CatchUpReceipt {
    final long primaryIncarnation;
    final long transfer;
    final boolean full;
    final List<ChainId> primaryLineage;
    private int next;               // the batch to apply next
    private final TreeMap<Integer, CatchUp> early = new TreeMap<>();
    // A full transfer's copy: the state received so far, as of position `position`.
    private final TreeMap<String, String> data;
    private final ResultTable results;
    private long position;
    private String lastKey;         // the last key received (null: none yet)
    private boolean dataDone;

    private CatchUpReceipt(CatchUp first, ResultTable results) {
        this.primaryIncarnation = first.primaryIncarnation();
        this.transfer = first.transfer();
        this.full = first.full();
        this.primaryLineage = first.lineage();
        this.data = full ? new TreeMap<>() : null;
        this.results = results;
        this.position = first.from();
        this.dataDone = !full;
    }

    /** A full transfer, into an empty copy with its own results table. */
    static CatchUpReceipt full(CatchUp first, ResultTable empty) {
        return new CatchUpReceipt(first, empty);
    }

    /** A catch-up by log suffix, applied to the node's own state. */
    static CatchUpReceipt bySuffix(CatchUp first) {
        return new CatchUpReceipt(first, null);
    }

    boolean isOf(CatchUp c) {
        return c.primaryIncarnation() == primaryIncarnation && c.transfer() == transfer;
    }

    /** Keeps a batch of this transfer for its turn. */
    void offer(CatchUp c) {
        if (c.batch() >= next && early.size() <= CatchUpStream.WINDOW) {
            early.putIfAbsent(c.batch(), c);
        }
    }

    /** The next batch to apply, if it has arrived (it is then taken). */
    CatchUp takeNext() {
        CatchUp c = early.remove(next);
        if (c != null) {
            next++;
        }
        return c;
    }

    /** The last batch applied (-1: none). */
    int applied() {
        return next - 1;
    }

    /** Whether the state of {@code key} is here already, so that an operation on it applies. */
    boolean holds(String key) {
        return dataDone || lastKey != null && key.compareTo(lastKey) <= 0;
    }

    // ---- a full transfer's copy ----

    TreeMap<String, String> data() {
        return data;
    }

    ResultTable results() {
        return results;
    }

    long position() {
        return position;
    }

    /** An operation of the stream was applied to the copy (or skipped: its key is yet to come). */
    void advance(LoggedOp op, long now) {
        position = op.seq();
        if (op.result() != null) {
            results.record(op.id(), op.result(), now);
        }
    }

    /** A batch's piece of the state: earlier results, then keys in order. */
    void take(CatchUp c, long now) {
        results.recordAll(c.results(), now);
        data.putAll(c.data());
        for (String key : c.data().keySet()) { // in key order (a piece is sorted); the last is the highest
            lastKey = key;
        }
        dataDone = c.dataDone();
    }
}
