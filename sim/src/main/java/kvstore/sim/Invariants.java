package kvstore.sim;

import kvstore.core.ChainId;
import kvstore.core.Message.ClientReply;
import kvstore.core.Replica;
import kvstore.core.Result;
import kvstore.core.View;

import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.BiPredicate;
import java.util.function.Supplier;

/**
 * The protocol's safety rules that span nodes, checked on every step of a simulated run, as VOPR and
 * FoundationDB's simulator check theirs: a broken rule fails the run at the step that broke it, long before the
 * checker could judge the history it leads to. The rules local to one node are assertions in the core
 * ({@code Replica}); this class sees the whole cluster at once, which no node can.
 *
 * <ul>
 *   <li><b>Acknowledged means everywhere</b>: when a primary acknowledges an operation at position s of its log,
 *       every live member of its view that still holds that view holds the state up to s.</li>
 *   <li><b>One view per number</b>: two different views never both acknowledge operations under the same number
 *       (at most one serving primary per epoch), and controllers never decide two different views with one
 *       number.</li>
 *   <li><b>The next primary holds everything</b> (C5): a controller chooses a primary synced in the newest view
 *       that acknowledged anything, or later.</li>
 *   <li><b>No going back</b>: within one life of a node and one chain of the log, the position it has applied
 *       never decreases.</li>
 *   <li><b>No backup left behind</b>: a backup of a serving primary, linked to it, does not stay without the
 *       state for seconds while the primary counts it as synced (a liveness rule: writes would stall for good).</li>
 * </ul>
 *
 * The first broken rule is kept ({@link #broken()}); the simulator stops there.
 */
final class Invariants {
    private final Map<String, Replica> replicas; // the simulator's live map: null while a node is down
    private final Supplier<String> step;          // the step being taken, in words (asked only when a rule breaks)
    private final Map<Long, View> acknowledgedUnder = new HashMap<>();
    private final Map<Long, View> decidedUnder = new HashMap<>();
    private final Map<String, Progress> progress = new HashMap<>();
    private final BiPredicate<String, String> linked;  // whether messages flow both ways between two nodes now
    private final Map<String, Long> leftBehindSince = new HashMap<>(); // "primary>backup": since when
    private static final long LEFT_BEHIND_FOR = 2_000_000;
    private long newestAcknowledging; // the newest view whose primary acknowledged an operation
    private String broken;

    /** How far a node had applied, in which life and of which chain, at the last step. */
    private record Progress(long incarnation, ChainId chain, long applied) {
    }

    Invariants(Map<String, Replica> replicas, BiPredicate<String, String> linked, Supplier<String> step) {
        this.replicas = replicas;
        this.linked = linked;
        this.step = step;
    }

    /** The first rule broken, with the step that broke it (null: none). */
    String broken() {
        return broken;
    }

    /** A node sends a reply to a client: an acknowledgement must be backed by every member of its view. */
    void replySent(String node, ClientReply reply) {
        Replica r = replicas.get(node);
        Result result = reply.result();
        if (r == null || !r.isServingPrimary() || result.status() == Result.Status.UNAVAILABLE || result.seq() <= 0) {
            return; // a backup relaying its primary's answer, or no acknowledgement
        }
        View view = r.view();
        newestAcknowledging = Math.max(newestAcknowledging, view.number());
        View earlier = acknowledgedUnder.putIfAbsent(view.number(), view);
        if (earlier != null && !earlier.equals(view)) {
            fail("two views acknowledge under number " + view.number() + ": " + earlier + " and " + view);
            return;
        }
        for (String b : view.backups()) {
            Replica backup = replicas.get(b);
            if (backup == null || !view.equals(backup.view())) {
                continue; // down (its state is gone with it) or moved on to another view
            }
            if (backup.appliedSeq() < result.seq() || !Objects.equals(backup.chain(), r.chain())) {
                fail(node + " acknowledges " + reply.id() + " at position " + result.seq() + " of view "
                        + view.number() + ", but backup " + b + " holds position " + backup.appliedSeq()
                        + " of chain " + backup.chain() + ", the primary's is " + r.chain());
                return;
            }
        }
    }

    /** A controller decided a view: the only view of its number, led by a node that holds everything (C5). */
    void decided(View view, String controller) {
        View earlier = decidedUnder.putIfAbsent(view.number(), view);
        if (earlier != null && !earlier.equals(view)) {
            fail(controller + " decided " + view + ", but " + earlier + " was decided with that number");
            return;
        }
        Replica primary = replicas.get(view.primary());
        // A primary that restarted since the controller chose it refuses to lead the view (V1): nothing to check.
        if (primary != null && primary.incarnation() == view.primaryIncarnation()
                && primary.syncedView() < newestAcknowledging) {
            fail(controller + " chose " + view.primary() + " to lead view " + view.number()
                    + ", but it was last synced in view " + primary.syncedView() + " and view " + newestAcknowledging
                    + " has acknowledged operations");
        }
    }

    /** After every step: no node went back in the log it holds, and no backup is left behind for good. */
    void afterStep(long now) {
        for (Map.Entry<String, Replica> e : replicas.entrySet()) {
            Replica r = e.getValue();
            if (r == null) {
                continue;
            }
            if (r.isServingPrimary()) {
                checkNoBackupLeftBehind(e.getKey(), r, now);
            }
            Progress current = new Progress(r.incarnation(), r.chain(), r.appliedSeq());
            Progress before = progress.put(e.getKey(), current);
            if (before != null && before.incarnation() == current.incarnation() && current.chain() != null
                    && current.chain().equals(before.chain()) && current.applied() < before.applied()) {
                fail(e.getKey() + " went back from position " + before.applied() + " to " + current.applied()
                        + " of chain " + current.chain());
                return;
            }
        }
    }

    /**
     * A backup that holds its primary's view but not its state, while that primary counts it as holding the state
     * (it is not among the backups the primary is bringing the state to), is left behind: nothing the primary
     * does will send it the state, and every write stalls until the view changes. Over a working link such a
     * disagreement lasts a heartbeat or two; {@link #LEFT_BEHIND_FOR} is far beyond that.
     */
    private void checkNoBackupLeftBehind(String primary, Replica r, long now) {
        for (String b : r.view().backups()) {
            Replica backup = replicas.get(b);
            String pair = primary + ">" + b;
            if (backup == null || backup.isSynced() || !r.view().equals(backup.view())
                    || r.backupsAwaitingState().contains(b) || !linked.test(primary, b)) {
                leftBehindSince.remove(pair);
                continue;
            }
            long since = leftBehindSince.computeIfAbsent(pair, k -> now);
            if (now - since > LEFT_BEHIND_FOR) {
                fail("backup " + b + " has held view " + r.view().number() + " without its state for "
                        + (now - since) / 1000 + " ms, while its primary " + primary + " counts it as synced");
                return;
            }
        }
    }

    /** A node's own rule, stated as an assertion in the core, broke at this step. */
    void assertionFailed(String node, Throwable error) {
        fail(node + ": " + error.getMessage());
    }

    private void fail(String what) {
        if (broken == null) {
            broken = step.get() + ": " + what;
        }
    }
}
