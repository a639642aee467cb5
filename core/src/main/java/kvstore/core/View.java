package kvstore.core;

import java.util.ArrayList;
import java.util.List;

/**
 * A numbered configuration: which node is primary and which are its backups. Every replication message names
 * the view it was sent in, and a node acts only on messages of its current view (fencing).
 *
 * @param primaryIncarnation the incarnation of the primary the operator chose (see {@link Replica#incarnation()});
 *                           a node that has restarted since refuses to lead the view. 0: not checked.
 * @param basis              the newest view that may have acknowledged writes when this one was chosen: its
 *                           primary held everything acknowledged up to it. A controller falls back on it when
 *                           this view turns out never to have acknowledged anything (docs/protocol.md, "The
 *                           controller"). Views from an operator, who states none, take the previous number.
 */
public record View(long number, String primary, List<String> backups, long primaryIncarnation, long basis) {
    /**
     * The largest view number: JSON's safe integers (2^53 - 1), which every client can read exactly, and far from
     * overflow when a node numbers the next view.
     */
    public static final long MAX_NUMBER = (1L << 53) - 1;

    public View(long number, String primary, List<String> backups) {
        this(number, primary, backups, 0);
    }

    public View(long number, String primary, List<String> backups, long primaryIncarnation) {
        this(number, primary, backups, primaryIncarnation, Math.max(0, number - 1));
    }

    public View {
        backups = List.copyOf(backups);
        if (basis < 0 || basis >= number) {
            throw new IllegalArgumentException("a view's basis is an earlier view: " + basis + " for " + number);
        }
        if (backups.contains(primary)) {
            throw new IllegalArgumentException("the primary " + primary + " is also listed as a backup");
        }
        if (new java.util.HashSet<>(backups).size() != backups.size()) {
            throw new IllegalArgumentException("a backup is listed twice in the view: " + backups);
        }
    }

    public List<String> members() {
        List<String> all = new ArrayList<>(backups.size() + 1);
        all.add(primary);
        all.addAll(backups);
        return all;
    }

    /**
     * Whether this view has this primary (in this life; 0: any) and these backups, in any order: the same view
     * whatever its number (docs/protocol.md, R7).
     */
    public boolean hasMembers(String primary, java.util.Collection<String> backups, long primaryIncarnation) {
        return this.primary.equals(primary) && this.primaryIncarnation == primaryIncarnation
                && new java.util.HashSet<>(this.backups).equals(new java.util.HashSet<>(backups));
    }

    public boolean isMember(String node) {
        return primary.equals(node) || backups.contains(node);
    }
}
