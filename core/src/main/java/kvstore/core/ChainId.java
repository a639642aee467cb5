package kvstore.core;

import java.util.ArrayList;
import java.util.List;

/**
 * One unbroken log of one primary: the primary, its life, and the view number it began the log in (docs/protocol.md,
 * R7). A node's state belongs to a chain, and a chain to its ancestors: the chain whose state its primary held when it
 * began it. That lineage is what tells a state that descends from another (newer) from one that merely carries a
 * higher number (V2a).
 */
public record ChainId(String primary, long incarnation, long start) {
    /**
     * Whether this chain is an earlier one of the same primary than {@code other}: an earlier life of it, or a chain
     * it began before in the same life (a primary's chains only ever start later: {@code Replica.beginNewChain}).
     */
    public boolean precedes(ChainId other) {
        return primary.equals(other.primary) && (incarnation < other.incarnation
                || incarnation == other.incarnation && start < other.start);
    }

    /** How many ancestors a lineage keeps: beyond them, descent is not known, and nothing is assumed. */
    static final int LINEAGE_LIMIT = 64;

    /** {@code lineage} with {@code chain} appended (unless it is already the last), keeping the newest entries. */
    static List<ChainId> extend(List<ChainId> lineage, ChainId chain) {
        if (!lineage.isEmpty() && lineage.getLast().equals(chain)) {
            return lineage;
        }
        List<ChainId> longer = new ArrayList<>(lineage);
        longer.add(chain);
        while (longer.size() > LINEAGE_LIMIT) {
            longer.removeFirst();
        }
        return List.copyOf(longer);
    }

    /**
     * Whether a state of lineage {@code candidate} was taken from one of lineage {@code ours} and then changed: our
     * chain is among its ancestors, not its last. (Our empty state is older than any.)
     */
    static boolean descendsStrictly(List<ChainId> candidate, List<ChainId> ours) {
        if (ours.isEmpty()) {
            return !candidate.isEmpty();
        }
        int at = candidate.indexOf(ours.getLast());
        return at >= 0 && at < candidate.size() - 1;
    }
}
