package kvstore.core;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * The result of each recent write, by request id, so that a retry with the same id gets the first attempt's result
 * instead of being applied again (R6). Kept for a retry horizon, like a Raft server's client sessions: a result
 * stays while it is younger than {@code horizonTicks} and among the newest {@code maxResults}; the count bounds
 * memory whatever the load, the time says how long a client may keep retrying (docs/api.md, "Idempotency-Key").
 */
final class ResultTable {
    private record Kept(RequestId id, long tick) {
    }

    private final int maxResults;
    private final long horizonTicks;
    private long bytes;       // about, as Sizes counts them
    private final Map<RequestId, Result> byId = new HashMap<>();
    private final TreeMap<Long, Kept> bySeq = new TreeMap<>(); // oldest first: what goes first, and transfer order

    ResultTable(int maxResults, long horizonTicks) {
        if (maxResults < 1 || horizonTicks < 1) {
            throw new IllegalArgumentException("results must be kept for some time and count");
        }
        this.maxResults = maxResults;
        this.horizonTicks = horizonTicks;
    }

    Result get(RequestId id) {
        return byId.get(id);
    }

    /** Records a write's result, applied at tick {@code now}, and forgets what is past the horizon. */
    void record(RequestId id, Result result, long now) {
        Result earlier = byId.put(id, result);
        if (earlier != null) {
            bytes -= size(id, earlier);
            if (earlier.seq() != result.seq()) {
                bySeq.remove(earlier.seq()); // applied twice (only under a planted bug): the newer result stands
            }
        }
        bytes += size(id, result);
        bySeq.put(result.seq(), new Kept(id, now));
        trim(now);
    }

    /** Forgets results older than the horizon. */
    void trim(long now) {
        while (!bySeq.isEmpty() && (bySeq.size() > maxResults || bytes > ReplicaConfig.RESULT_BYTES_KEPT
                || bySeq.firstEntry().getValue().tick() < now - horizonTicks)) {
            Kept oldest = bySeq.pollFirstEntry().getValue();
            Result gone = byId.remove(oldest.id());
            if (gone != null) {
                bytes -= size(oldest.id(), gone);
            }
        }
    }

    private static long size(RequestId id, Result r) {
        return 48 + id.client().length() + Sizes.of(r);
    }

    void clear() {
        byId.clear();
        bySeq.clear();
        bytes = 0;
    }

    int size() {
        return byId.size();
    }

    /** Every result kept, in the order applied (a state offer). */
    Map<RequestId, Result> all() {
        Map<RequestId, Result> copy = new LinkedHashMap<>();
        for (Kept k : bySeq.values()) {
            copy.put(k.id(), byId.get(k.id()));
        }
        return copy;
    }

    /**
     * The results of writes at positions in ({@code after}, {@code upTo}], oldest first, until about {@code budget}
     * bytes: a full catch-up streams the table in such pieces.
     */
    Map<RequestId, Result> between(long after, long upTo, int budget) {
        Map<RequestId, Result> piece = new LinkedHashMap<>();
        if (after >= upTo) {
            return piece;
        }
        for (Kept k : bySeq.subMap(after, false, upTo, true).values()) {
            if (budget <= 0) {
                break;
            }
            Result r = byId.get(k.id());
            piece.put(k.id(), r);
            budget -= 48 + Sizes.of(r);
        }
        return piece;
    }

    /** Whether some result is kept at a position in ({@code after}, {@code upTo}]. */
    boolean anyBetween(long after, long upTo) {
        return after < upTo && !bySeq.subMap(after, false, upTo, true).isEmpty();
    }

    /** Takes results from another node (a transfer), as if applied at tick {@code now}. */
    void recordAll(Map<RequestId, Result> results, long now) {
        for (Map.Entry<RequestId, Result> e : results.entrySet()) {
            record(e.getKey(), e.getValue(), now);
        }
    }
}
