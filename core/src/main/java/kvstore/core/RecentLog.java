package kvstore.core;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The most recent operations a node applied, in order, bounded by count and bytes: what lets a primary bring back a backup
 * that missed some of them by sending only those (docs/protocol.md, "Catch-up"), instead of the whole state.
 *
 * <p>It also knows which states it passed through. The state "chain C at sequence number s" is the same at every
 * node that holds it (within one chain, positions are the primary's), so a backup that says it holds it can be
 * brought up to date with the operations after s, if this log passed through that state and still keeps them.
 */
final class RecentLog {
    private final LoggedOp[] ring;
    private int head;   // index of the oldest operation kept
    private int size;
    private long bytes;  // of the operations kept, about, as Sizes counts them
    private ChainId baseChain; // the state just before the oldest operation kept: chain (null: unknown) and position
    private long baseSeq;
    private final Map<ChainId, Long> began = new HashMap<>(); // chains that began with the state at that position

    RecentLog(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("a log keeps at least one operation, not " + capacity);
        }
        this.ring = new LoggedOp[capacity];
    }

    /** The state was replaced (a full transfer, or a newer state taken): the log starts again after it. */
    void reset(ChainId chain, long seq) {
        java.util.Arrays.fill(ring, null);
        head = 0;
        size = 0;
        bytes = 0;
        baseChain = chain;
        baseSeq = seq;
        began.clear();
    }

    /** Appends the operation at the next position; the oldest one goes when the log is full. */
    void append(LoggedOp op) {
        if (op.seq() != lastSeq() + 1) {
            throw new IllegalStateException("log of operations up to " + lastSeq() + " cannot take " + op.seq());
        }
        bytes += Sizes.of(op);
        while (size == ring.length || size > 0 && bytes > ReplicaConfig.LOG_BYTES_KEPT) {
            LoggedOp oldest = ring[head];
            ring[head] = null;
            head = (head + 1) % ring.length;
            size--;
            bytes -= Sizes.of(oldest);
            baseChain = oldest.chain();
            baseSeq = oldest.seq();
            began.values().removeIf(s -> s < baseSeq);
        }
        ring[(head + size) % ring.length] = op;
        size++;
    }

    /** A chain that begins with the state at the last position (a primary that starts a new log keeps its state). */
    void chainBegins(ChainId chain) {
        began.putIfAbsent(chain, lastSeq());
    }

    /** The chain of the last operation kept (of the state the log starts from, if it keeps none). */
    ChainId lastChain() {
        return size == 0 ? baseChain : at(lastSeq()).chain();
    }

    long lastSeq() {
        return baseSeq + size;
    }

    /** Whether the state "chain {@code chain} at {@code seq}" is one this log passed through, with all after it kept. */
    boolean passedThrough(ChainId chain, long seq) {
        if (chain == null || seq < baseSeq || seq > lastSeq()) {
            return false;
        }
        if (Long.valueOf(seq).equals(began.get(chain))) {
            return true;
        }
        return seq == baseSeq ? chain.equals(baseChain) : at(seq).chain().equals(chain);
    }

    /** Whether the operations after {@code seq} are all kept. */
    boolean keepsAfter(long seq) {
        return seq >= baseSeq && seq <= lastSeq();
    }

    LoggedOp at(long seq) {
        if (seq <= baseSeq || seq > lastSeq()) {
            throw new IllegalArgumentException("operation " + seq + " is not kept (kept: " + (baseSeq + 1) + ".."
                    + lastSeq() + ")");
        }
        return ring[(int) ((head + (seq - baseSeq - 1)) % ring.length)];
    }

    /** The operations after {@code seq}, oldest first, until about {@code budget} bytes (at least one). */
    List<LoggedOp> after(long seq, int budget) {
        List<LoggedOp> ops = new java.util.ArrayList<>();
        for (long s = seq + 1; s <= lastSeq() && (ops.isEmpty() || budget > 0); s++) {
            LoggedOp op = at(s);
            ops.add(op);
            budget -= Sizes.of(op);
        }
        return ops;
    }
}
