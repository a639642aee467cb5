package kvstore.sim;

import kvstore.node.core.Replica;
import kvstore.node.core.View;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The external process that installs views, acting as an operator would: when a member of the view is gone or
 * cut off from the primary, or a node is back, it installs the next view; when asked, it moves the primary.
 *
 * <p>Safety rests on two rules (docs/protocol.md): the next primary is a live node synced in the newest view any
 * live node was synced in (V2), and no new view is issued while the latest view's primary, in the life it was
 * chosen in, may still take that view up (V3). It reads the nodes' state as an operator reads {@code GET /view}.
 */
final class Operator {
    private final World world;
    private final SplittableRandom random;
    private View latest;
    private View established;
    private long issuedAt;
    private boolean failoverRequested;

    interface World {
        long now();

        List<String> nodes();

        /** The live replica of a node, or null if it is down. */
        Replica replica(String node);

        boolean canTalk(String a, String b);

        void install(View view);

        void note(String text);
    }

    Operator(World world, SplittableRandom random) {
        this.world = world;
        this.random = random;
    }

    View latest() {
        return latest;
    }

    void requestFailover() {
        failoverRequested = true;
    }

    /** Bootstraps the cluster with view 1: every node, the first as primary. */
    void bootstrap() {
        List<String> nodes = world.nodes();
        issue(new View(1, nodes.getFirst(), nodes.subList(1, nodes.size()),
                world.replica(nodes.getFirst()).incarnation()));
    }

    /** Whether the latest view is in force: its primary leads it and every backup holds the state. */
    boolean isEstablished() {
        Replica primary = world.replica(latest.primary());
        if (primary == null || primary.view() == null || primary.view().number() != latest.number()) {
            return false;
        }
        for (String b : latest.backups()) {
            Replica r = world.replica(b);
            if (r == null || r.view() == null || r.view().number() != latest.number() || !r.isSynced()) {
                return false;
            }
        }
        return true;
    }

    /** Looks at the cluster and installs a new view if one is needed. Called periodically. */
    void check() {
        if (isEstablished()) {
            established = latest;
        }
        resendToLaggards();
        if (latest.equals(established)) {
            String primary = latest.primary();
            if (failoverRequested && !latest.backups().isEmpty()) {
                failoverRequested = false;
                List<String> candidates = eligible();
                candidates.remove(primary);
                if (!candidates.isEmpty()) {
                    issueAround(candidates.get(random.nextInt(candidates.size())));
                    return;
                }
            }
            if (!eligible().contains(primary)) { // the primary is down, or came back empty
                List<String> candidates = eligible();
                if (!candidates.isEmpty()) {
                    issueAround(candidates.get(random.nextInt(candidates.size())));
                }
                return;
            }
            if (!reachableFrom(primary).equals(latest.members()) || !isEstablished()) {
                issueAround(primary); // a member is gone, cut off, back, or restarted empty
            }
            return;
        }
        // The latest view is not (yet) in force. While its primary lives and may still install it, wait: moving
        // on now would let it install the old view late, and lead it, beside the next primary (the view
        // service's rule: no new view until the primary of the current one has taken it up). Then lead with a
        // node synced in the newest view, which holds everything acknowledged.
        Replica waitingFor = world.replica(latest.primary());
        boolean primaryMayStillTakeIt = waitingFor != null && waitingFor.mayLead()
                && waitingFor.incarnation() == latest.primaryIncarnation() // not if it restarted since
                && (waitingFor.view() == null || waitingFor.view().number() < latest.number());
        if (primaryMayStillTakeIt || world.now() - issuedAt < 300_000) {
            return;
        }
        List<String> candidates = eligible();
        if (!candidates.isEmpty()) {
            issueAround(candidates.get(random.nextInt(candidates.size())));
        }
    }

    /**
     * Live nodes synced in the newest view any live node was synced in: safe to lead the next one. Anything
     * acknowledged was acknowledged in an established view v, whose members were all synced in v; every node
     * synced in a later view got its state from one holding it. (Looking at the newest synced view rather than
     * the last view this operator saw established matters: it samples, and can miss a view that was established
     * only briefly.)
     */
    private List<String> eligible() {
        long newest = 0;
        for (String n : world.nodes()) {
            Replica r = world.replica(n);
            if (r != null) {
                newest = Math.max(newest, r.syncedView());
            }
        }
        List<String> out = new ArrayList<>();
        for (String n : world.nodes()) {
            Replica r = world.replica(n);
            // With no node ever synced, nothing was ever acknowledged: a founding node may start afresh.
            if (r != null && r.mayLead() && r.syncedView() == newest) {
                out.add(n);
            }
        }
        return out;
    }

    private List<String> reachableFrom(String primary) {
        List<String> members = new ArrayList<>();
        members.add(primary);
        for (String n : world.nodes()) {
            if (!n.equals(primary) && world.replica(n) != null && world.canTalk(primary, n)
                    && world.canTalk(n, primary)) {
                members.add(n);
            }
        }
        return members;
    }

    private void issueAround(String primary) {
        if (world.replica(primary) == null) {
            return;
        }
        List<String> members = reachableFrom(primary);
        // The view names the primary's life: if it restarts before taking the view up, it will refuse it.
        issue(new View(latest.number() + 1, primary, members.subList(1, members.size()),
                world.replica(primary).incarnation()));
    }

    private void issue(View view) {
        latest = view;
        issuedAt = world.now();
        world.note("operator installs view " + view.number() + ": primary " + view.primary() + ", backups "
                + view.backups());
        world.install(view);
    }

    /**
     * Sends the latest view again to nodes still in an older one (its message was late or lost). Never to a node
     * with no view at all: that one restarted empty, and must join through a new view that gives it the state,
     * never through an old view.
     */
    private void resendToLaggards() {
        if (world.now() - issuedAt < 100_000) {
            return;
        }
        for (String n : world.nodes()) {
            Replica r = world.replica(n);
            // A founding node never restarted, so it may take any view; a restarted one only through a new view.
            boolean behind = r != null && (r.view() == null ? r.mayLead() : r.view().number() < latest.number());
            if (behind) {
                world.install(latest);
                return;
            }
        }
    }


}
