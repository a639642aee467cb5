package kvstore.core;

import kvstore.core.Message.CatchUp;

import java.util.ArrayList;
import java.util.Iterator;
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
 * piece is exactly as of the batch's last operation. At most {@link #WINDOW} batches are unacknowledged. The oldest
 * is sent again, unchanged, when no acknowledgement came for a retransmission timeout that follows the measured
 * round trip of a batch and doubles while nothing comes back (as TCP's does): a fixed short timeout would resend
 * batches still queued on a slow link, and the copies would slow the transfer further until it stalled. Memory:
 * the window, never a copy of the state.
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
    private final Map<Integer, Long> firstSentAt = new java.util.HashMap<>(); // batches never resent (Karn's rule)
    // Batches whose acknowledgement is progress: they brought the backup closer to the primary. A piece of the state
    // past what an earlier stream for this backup had reached does; so does a batch of operations that leaves fewer
    // to send than any before it. A stream that only carries operations and never gains on them makes none, nor
    // does one that starts over and sends again what was sent before.
    private final java.util.Set<Integer> converging = new java.util.HashSet<>();
    private long leastBehind;                  // the fewest operations left to send after a batch so far
    private final String reachedBefore;        // the last key an earlier stream for this backup had sent
    private final boolean startsOver;          // it replaces a stream that fell behind
    private long lastSentAt;
    private long smoothedRoundTrip; // ticks from sending a batch to its acknowledgement (0: not measured yet)
    private int backoff = 1;
    private final long startedAt;
    private long progressAt;        // started, or a batch acknowledged
    private long bytesAcked;

    /**
     * @param replaced the stream this one replaces because it fell behind the log (null: none): its clock and the
     *                 keys it had sent carry over, so that starting over is not progress
     */
    CatchUpStream(long transfer, long backupIncarnation, boolean full, long start, ChainId expect, long now,
                  CatchUpStream replaced) {
        this.transfer = transfer;
        this.backupIncarnation = backupIncarnation;
        this.full = full;
        this.start = start;
        this.expect = expect;
        this.opsSent = start;
        this.resultsSent = -1;
        this.dataDone = !full;
        this.resultsDone = !full;
        this.progressAt = replaced == null ? now : replaced.progressAt;
        this.reachedBefore = replaced == null ? null : replaced.lastKeyReached();
        this.leastBehind = replaced == null ? Long.MAX_VALUE : replaced.leastBehind;
        this.startsOver = replaced != null;
        this.startedAt = now;
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
                    piece = new TreeMap<>();
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
            firstSentAt.put(batch.batch(), now);
            boolean newKeys = !piece.isEmpty() && (reachedBefore == null || lastKeySent.compareTo(reachedBefore) > 0);
            boolean newResults = !results.isEmpty() && !startsOver;
            if (newKeys || newResults || s.applied() - upTo < leastBehind) {
                converging.add(batch.batch());
            }
            leastBehind = Math.min(leastBehind, s.applied() - upTo);
            batches.add(batch);
            lastSentAt = now;
        }
        return batches;
    }

    /** The backup applied every batch up to {@code batch}. Returns the last of them (null: none was waiting). */
    CatchUp acknowledged(int batch, long now) {
        CatchUp last = null;
        boolean progress = false;
        while (!unacked.isEmpty() && unacked.firstKey() <= batch) {
            last = unacked.pollFirstEntry().getValue();
            progress |= converging.remove(last.batch());
            bytesAcked += Sizes.of(last);
            Long sent = firstSentAt.remove(last.batch());
            if (sent != null && last.batch() == batch) {
                long sample = Math.max(1, now - sent);
                smoothedRoundTrip = smoothedRoundTrip == 0 ? sample : (7 * smoothedRoundTrip + sample) / 8;
            }
        }
        if (last != null) {
            backoff = 1;
        }
        if (progress) {
            progressAt = now;
        }
        return last;
    }

    /**
     * The oldest unacknowledged batch, to send again, when nothing was acknowledged for the retransmission timeout:
     * twice the measured round trip (at first {@code initial}, never under {@code least}), doubled for each resend
     * that brought nothing back.
     */
    List<CatchUp> overdue(long now, long least, long initial) {
        long timeout = (smoothedRoundTrip == 0 ? Math.max(least, initial) : Math.max(least, 2 * smoothedRoundTrip))
                * backoff;
        if (unacked.isEmpty() || now - Math.max(lastSentAt, progressAt) < timeout) {
            return List.of();
        }
        lastSentAt = now;
        backoff = Math.min(backoff * 2, 64);
        Map.Entry<Integer, CatchUp> oldest = unacked.firstEntry();
        firstSentAt.remove(oldest.getKey()); // its acknowledgement will not say how long one copy took
        return List.of(oldest.getValue());
    }

    /** The last key this stream sent, or that an earlier one it replaced had reached (null: none). */
    private String lastKeyReached() {
        if (lastKeySent == null) {
            return reachedBefore;
        }
        return reachedBefore == null || lastKeySent.compareTo(reachedBefore) > 0 ? lastKeySent : reachedBefore;
    }

    long startedAt() {
        return startedAt;
    }

    /** When the backup last showed progress (or the stream started). */
    long progressAt() {
        return progressAt;
    }

    long bytesAcked() {
        return bytesAcked;
    }
}
