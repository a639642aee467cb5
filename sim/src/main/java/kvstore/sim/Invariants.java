package kvstore.sim;

import kvstore.core.ChainId;
import kvstore.core.Message.Ack;
import kvstore.core.Message.ClientReply;
import kvstore.core.Replica;
import kvstore.core.Result;
import kvstore.core.View;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
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
 *       every live member of its view that still holds that view holds the state up to s; a synced backup at
 *       the primary's own position holds the same data (equal state digests), not only the same number.</li>
 *   <li><b>One view per number</b>: two different views never both acknowledge operations under the same number
 *       (at most one serving primary per epoch), and controllers never decide two different views with one
 *       number. For epoch-less views, which nodes number themselves, the protocol promises less than this; it
 *       holds in the simulator because its operator ({@code GraderOperator}) issues a view only once the last
 *       one's primary can no longer take it up (V3), and is kept as a check of that operator too.</li>
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
    private final Map<String, Long> leftBehindSince = new HashMap<>(); // backup -> since when (its view's primary)
    private final Set<String> leftBehindNow = new HashSet<>();
    private final Map<String, Map<String, Long>> lifeHeard = new HashMap<>(); // node -> sender -> life of last ack
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
        if (r.durablePosition() < result.seq() || !Objects.equals(r.durableChain(), r.chain())) {
            fail(node + " acknowledges " + reply.id() + " at position " + result.seq() + " of view " + view.number()
                    + ", but its own disk holds only position " + r.durablePosition() + " of chain "
                    + r.durableChain());
            return;
        }
        Map<String, Long> heard = lifeHeard.getOrDefault(node, Map.of());
        for (String b : view.backups()) {
            Replica backup = replicas.get(b);
            if (backup == null || !view.equals(backup.view())) {
                continue; // down (its state is gone with it) or moved on to another view
            }
            if (!Objects.equals(heard.get(b), backup.incarnation())) {
                continue; // restarted, and the primary has not heard of its new life: it counted the earlier one
            }
            if (backup.appliedSeq() < result.seq() || !Objects.equals(backup.chain(), r.chain())) {
                fail(node + " acknowledges " + reply.id() + " at position " + result.seq() + " of view "
                        + view.number() + ", but backup " + b + " holds position " + backup.appliedSeq()
                        + " of chain " + backup.chain() + ", the primary's is " + r.chain());
                return;
            }
            if (backup.durablePosition() < result.seq() || !Objects.equals(backup.durableChain(), r.chain())) {
                fail(node + " acknowledges " + reply.id() + " at position " + result.seq() + " of view "
                        + view.number() + ", but backup " + b + " has it only in memory: its disk holds position "
                        + backup.durablePosition() + " of chain " + backup.durableChain());
                return;
            }
            if (backup.isSynced() && backup.appliedSeq() == r.appliedSeq() && backup.stateDigest() != r.stateDigest()) {
                fail(node + " acknowledges " + reply.id() + " at position " + result.seq() + " of view "
                        + view.number() + "; backup " + b + " holds the same position " + r.appliedSeq()
                        + " of the same chain, but other data (state digest " + Long.toHexString(backup.stateDigest())
                        + ", the primary's " + Long.toHexString(r.stateDigest()) + ")");
                return;
            }
        }
    }

    /** A node received an acknowledgement: from then on it knows of that life of the sender. */
    void ackArrived(String node, String from, Ack ack) {
        lifeHeard.computeIfAbsent(node, k -> new HashMap<>()).put(from, ack.incarnation());
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

    /**
     * After every step: the node it delivered a message to ({@code touched}; null: any, after a tick or a fault)
     * did not go back in the log it holds.
     */
    void afterStep(String touched) {
        if (touched != null) {
            Replica r = replicas.get(touched);
            if (r != null) {
                checkNoGoingBack(touched, r);
            }
            return;
        }
        for (Map.Entry<String, Replica> e : replicas.entrySet()) {
            if (e.getValue() != null) {
                checkNoGoingBack(e.getKey(), e.getValue());
            }
        }
    }

    /**
     * At every tick (a 2 s bound needs no finer clock): no backup is left behind by its primary. A backup's clock
     * starts over whenever it is not left behind at a tick, whoever leads it then.
     */
    void onTick(long now) {
        leftBehindNow.clear();
        for (Map.Entry<String, Replica> e : replicas.entrySet()) {
            Replica r = e.getValue();
            if (r != null && r.isServingPrimary()) {
                checkNoBackupLeftBehind(e.getKey(), r, now);
            }
        }
        leftBehindSince.keySet().retainAll(leftBehindNow);
    }

    private void checkNoGoingBack(String node, Replica r) {
        Progress before = progress.get(node);
        if (before != null && before.incarnation() == r.incarnation() && before.chain() == r.chain()
                && before.applied() == r.appliedSeq()) {
            return; // most steps change nothing: checked without allocating
        }
        Progress current = new Progress(r.incarnation(), r.chain(), r.appliedSeq());
        progress.put(node, current);
        if (before != null && before.incarnation() == current.incarnation() && current.chain() != null
                && current.chain().equals(before.chain()) && current.applied() < before.applied()) {
            fail(node + " went back from position " + before.applied() + " to " + current.applied() + " of chain "
                    + current.chain());
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
            if (backup == null || backup.isSynced() || !r.view().equals(backup.view())
                    || r.backupsAwaitingState().contains(b) || !linked.test(primary, b)) {
                continue;
            }
            leftBehindNow.add(b);
            long since = leftBehindSince.computeIfAbsent(b, k -> now);
            if (now - since > LEFT_BEHIND_FOR) {
                fail("backup " + b + " has held view " + r.view().number() + " without its state for "
                        + (now - since) / 1000 + " ms, while its primary " + primary + " counts it as synced");
                return;
            }
        }
    }

    /** A node's own rule, stated as an assertion in the core, broke at this step. */
    void assertionFailed(String node, Throwable error) {
        StackTraceElement[] at = error.getStackTrace();
        fail(node + ": " + error + (at.length == 0 ? "" : " (at " + at[0] + ")"));
    }

    private void fail(String what) {
        if (broken == null) {
            broken = step.get() + ": " + what;
        }
    }
}
