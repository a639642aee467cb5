package kvstore.core;

import java.util.List;

/**
 * What a node tells a controller about itself: its view and data role, and its vote on views.
 *
 * @param view         the view installed (null: none)
 * @param syncedView   the last view number in which the node held the complete state (0: never)
 * @param mayLead      it was synced in some view, or founded the cluster: it holds what it was given
 * @param applied      the position of the last operation it applied (of the chain of the state it holds)
 * @param voter        it remembers its promises; false after a restart until a controller restores it
 * @param promised     the highest ballot promised (null: none)
 * @param accepted     the view with the highest number accepted or installed (null: none)
 * @param fenced       it promised a ballot above its view's number, so it no longer serves that view
 * @param laggingBackups as primary: backups holding up acknowledgements (cut off from it, or making no progress)
 * @param catchingUp   as primary: backups receiving the state that are making progress
 * @param takingNewerState as primary: it is taking a backup's newer state before it serves (V2a)
 * @param caughtUp     as primary: the last few catch-ups completed in its view, oldest first (bytes and ticks each
 *                     took: what it costs to bring a backup back)
 */
public record NodeState(long incarnation, View view, boolean synced, long syncedView, boolean mayLead,
                        long applied, boolean voter, Ballot promised, View accepted, boolean fenced, List<String> laggingBackups,
                        List<CatchUpProgress> catchingUp, List<CatchUpProgress> caughtUp,
                        boolean takingNewerState) {
    public NodeState {
        laggingBackups = List.copyOf(laggingBackups);
        catchingUp = List.copyOf(catchingUp);
        caughtUp = List.copyOf(caughtUp);
    }

    /** Whether this node, as primary, reports {@code backup} catching up and making progress. */
    public boolean reportsCatchingUp(String backup) {
        for (CatchUpProgress p : catchingUp) {
            if (p.backup().equals(backup)) {
                return true;
            }
        }
        return false;
    }

    /** The highest view or ballot number this node has heard of: a controller's next ballot must be higher. */
    public long highestNumber() {
        long n = view == null ? 0 : view.number();
        if (promised != null) {
            n = Math.max(n, promised.number());
        }
        if (accepted != null) {
            n = Math.max(n, accepted.number());
        }
        return n;
    }
}
