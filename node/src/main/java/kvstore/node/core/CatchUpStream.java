package kvstore.node.core;

import kvstore.node.core.Message.CatchUp;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * As the primary: bringing one backup level with it (docs/protocol.md, "Catch-up"). Either by log suffix, when the
 * backup holds a state this primary's log passed through and the log still keeps every operation since; or in full,
 * from nothing: the results of earlier writes, then every key in order, in pieces of about {@link #BATCH_BYTES}.
 * Each batch also carries the operations ordered since the previous one, so the backup's state advances as the
 * primary's does; a piece of the state is added only to a batch whose operations reach the primary's latest, so the
 * piece is exactly as of the batch's last operation. At most {@link #WINDOW} batches are unacknowledged; they are
 * sent again, unchanged, when the backup has not acknowledged any for a while. Memory: the window, never a copy of
 * the state.
 */
final class CatchUpStream {
    static final int BATCH_BYTES = 256 * 1024;
    static final int WINDOW = 4;

    final long transfer;
    final long backupIncarnation;
    final boolean full;
    private final long start;       // the position the stream starts at
    private final ChainId expect;   // by suffix: the chain of the backup's state at start
    private long opsSent;           // position of the last operation sent
    private long resultsSent;       // full: position of the last earlier result sent
    private boolean resultsDone;
    private String lastKeySent;     // full: null before the first key
    private boolean dataDone;
    private int nextBatch;
    private boolean completeSent;
    private final TreeMap<Integer, CatchUp> unacked = new TreeMap<>();
    private long lastSentAt;
    private long progressAt;        // started, or a batch acknowledged
    private long bytesAcked;

    CatchUpStream(long transfer, long backupIncarnation, boolean full, long start, ChainId expect, long now) {
        this.transfer = transfer;
        this.backupIncarnation = backupIncarnation;
        this.full = full;
        this.start = start;
        this.expect = expect;
        this.opsSent = start;
        this.resultsSent = -1;
        this.dataDone = !full;
        this.resultsDone = !full;
        this.progressAt = now;
    }

    /** What the primary holds that the stream reads from: its log, state and results, and its chain's lineage. */
    record Source(long view, long primaryIncarnation, RecentLog log, long applied, NavigableMap<String, String> data,
                  ResultTable results, List<ChainId> lineage) {
    }

    /**
     * The batches to send now: while the window has room and there is something to send. Null when the log no
     * longer keeps the operations the stream must send next (it fell behind by more than the log keeps): the
     * stream cannot go on, and a full one must start.
     */
    List<CatchUp> next(Source s, long now) {
        List<CatchUp> batches = new ArrayList<>();
        while (!completeSent && unacked.size() < WINDOW) {
            if (!s.log().keepsAfter(opsSent)) {
                return null;
            }
            boolean stateToSend = !dataDone;
            int budget = BATCH_BYTES;
            List<LoggedOp> ops = s.log().after(opsSent, stateToSend ? budget / 2 : budget);
            for (LoggedOp op : ops) {
                budget -= Sizes.of(op);
            }
            long upTo = ops.isEmpty() ? opsSent : ops.getLast().seq();
            Map<RequestId, Result> results = Map.of();
            Map<String, String> piece = Map.of();
            if (stateToSend && upTo == s.applied()) { // the state is as of upTo: a piece of it may go
                budget = Math.max(budget, BATCH_BYTES / 2);
                if (!resultsDone) {
                    results = s.results().between(resultsSent, start, budget);
                    for (Result r : results.values()) {
                        budget -= 48 + Sizes.of(r);
                        resultsSent = r.seq();
                    }
                    resultsDone = results.isEmpty() || !s.results().anyBetween(resultsSent, start);
                }
                if (resultsDone && budget > 0) {
                    piece = new LinkedHashMap<>();
                    Iterator<Map.Entry<String, String>> keys = (lastKeySent == null ? s.data()
                            : s.data().tailMap(lastKeySent, false)).entrySet().iterator();
                    while (keys.hasNext() && budget > 0) {
                        Map.Entry<String, String> e = keys.next();
                        piece.put(e.getKey(), e.getValue());
                        budget -= Sizes.entry(e.getKey(), e.getValue());
                        lastKeySent = e.getKey();
                    }
                    dataDone = !keys.hasNext();
                }
            }
            boolean complete = dataDone && upTo == s.applied();
            if (nextBatch > 0 && ops.isEmpty() && results.isEmpty() && piece.isEmpty() && !complete) {
                break; // nothing new: wait for operations, or for the window to open for a piece of the state
            }
            CatchUp batch = new CatchUp(s.view(), backupIncarnation, s.primaryIncarnation(), transfer, nextBatch,
                    opsSent, full, expect, ops, results, piece, dataDone, complete,
                    complete || nextBatch == 0 ? s.lineage() : List.of());
            nextBatch++;
            opsSent = upTo;
            completeSent = complete;
            unacked.put(batch.batch(), batch);
            batches.add(batch);
            lastSentAt = now;
        }
        return batches;
    }

    /** The backup applied every batch up to {@code batch}. Returns the last of them (null: none was waiting). */
    CatchUp acknowledged(int batch, long now) {
        CatchUp last = null;
        while (!unacked.isEmpty() && unacked.firstKey() <= batch) {
            last = unacked.pollFirstEntry().getValue();
            bytesAcked += Sizes.of(last);
        }
        if (last != null) {
            progressAt = now;
        }
        return last;
    }

    /** The batches not acknowledged, when none was for {@code patience} ticks since they were last sent. */
    List<CatchUp> overdue(long now, long patience) {
        if (unacked.isEmpty() || now - lastSentAt < patience) {
            return List.of();
        }
        lastSentAt = now;
        return List.copyOf(unacked.values());
    }

    /** When the backup last showed progress (or the stream started). */
    long progressAt() {
        return progressAt;
    }

    long bytesAcked() {
        return bytesAcked;
    }
}
