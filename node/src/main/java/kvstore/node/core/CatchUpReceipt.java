package kvstore.node.core;

import kvstore.node.core.Message.CatchUp;

import java.util.List;
import java.util.TreeMap;

/**
 * As a backup: the catch-up it is taking (docs/protocol.md, "Catch-up"). Batches are applied strictly in order; one
 * that arrives early waits here (at most a window's worth). In a full transfer, the keys received so far are the
 * ones up to {@link #lastKey}: an operation changes only those, because the pieces still to come are as of later
 * positions and already include it.
 */
final class CatchUpReceipt {
    final long primaryIncarnation;
    final long transfer;
    final boolean full;
    final List<ChainId> primaryLineage;
    private int next;               // the batch to apply next
    private String lastKey;         // full: the last key received (null: none yet)
    private boolean dataDone;
    private final TreeMap<Integer, CatchUp> early = new TreeMap<>();

    CatchUpReceipt(CatchUp first) {
        this.primaryIncarnation = first.primaryIncarnation();
        this.transfer = first.transfer();
        this.full = first.full();
        this.primaryLineage = first.lineage();
        this.dataDone = !first.full();
    }

    boolean isOf(CatchUp c) {
        return c.primaryIncarnation() == primaryIncarnation && c.transfer() == transfer;
    }

    /** Keeps a batch of this transfer for its turn; returns whether it is new. */
    boolean offer(CatchUp c) {
        if (c.batch() < next || early.containsKey(c.batch()) || early.size() > CatchUpStream.WINDOW) {
            return false;
        }
        early.put(c.batch(), c);
        return true;
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

    /** Whether this node holds the state of {@code key} already, so that an operation on it applies here. */
    boolean holds(String key) {
        return dataDone || lastKey != null && key.compareTo(lastKey) <= 0;
    }

    /** A piece of the state was taken: keys up to {@code last} are held now. */
    void took(String last, boolean allDone) {
        if (last != null) {
            lastKey = last;
        }
        dataDone = allDone;
    }
}
