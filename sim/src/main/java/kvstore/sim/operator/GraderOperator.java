package kvstore.sim.operator;

import kvstore.core.Message;
import kvstore.core.Message.UnnumberedView;
import kvstore.core.Message.ViewReply;
import kvstore.core.Replica;
import kvstore.core.View;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * An operator that behaves like the prototype's graders: views without epochs, the same view sent to each member
 * in turn (in random order, with random pauses, waiting for each answer and trying again when none comes), sent
 * again now and then, sometimes two views racing; members left out are not told. It follows the operator's rules
 * (docs/protocol.md, V2 and V3) by looking at the nodes, as an operator reads {@code GET /view}: the next primary
 * holds everything acknowledged, and no new view is issued while the last one's primary may still take it up.
 *
 * <p>Epoch-less views are numbered by the nodes, so numbers say nothing about which decision came later. The
 * operator orders its own decisions instead: a decision is <em>established</em> once its primary leads it and
 * every backup is synced in it (the simulator shows the operator every step, so it never misses one). Everything
 * acknowledged was acknowledged in an established decision, by all its members; so the next primary is a member of
 * the newest established decision that has not restarted since.
 */
public final class GraderOperator {
    /** The name the operator sends from. */
    public static final String NAME = "op";
    private static final long ANSWER_TIMEOUT = 100_000;
    /**
     * How long an unanswered PUT may still be on its way: beyond the simulated network's longest delays and the
     * longest pause (FaultSchedule: 20 ms plus a quarter of the fault phase, at most 3 s), whose backlog a paused
     * node takes up when it resumes.
     */
    private static final long MAY_STILL_ARRIVE = 1_000_000;

    /** What the operator sees and does; the simulator implements it. */
    public interface World {
        long now();

        List<String> nodes();

        /** The live replica of a node (null: down). */
        Replica replica(String node);

        void send(String to, Message message);

        /** Whether messages flow both ways between two nodes (an operator sees which nodes answer each other). */
        boolean canTalk(String a, String b);

        void after(long micros, Runnable action);

        void note(String text);
    }

    /** A decision: the view's content, which every member numbers for itself. */
    public record Decision(String primary, List<String> backups) {
        public Decision {
            backups = List.copyOf(backups);
        }

        public List<String> members() {
            List<String> all = new ArrayList<>(backups.size() + 1);
            all.add(primary);
            all.addAll(backups);
            return all;
        }

        boolean isHeldBy(View v) {
            return v != null && v.hasMembers(primary, backups, 0);
        }

        @Override
        public String toString() {
            return "primary " + primary + ", backups " + backups;
        }
    }

    private final World world;
    private final SplittableRandom random;
    private final long periodMicros;
    private Decision latest;
    private long primaryLife; // the incarnation of the latest decision's primary when it was chosen
    private Decision established;                    // the newest decision seen established
    private Map<String, Long> establishedLives = Map.of(); // its members' incarnations when it was
    private long installedSince = -1; // when `latest` was first seen established (-1: not yet)
    private final Deque<Runnable> sends = new ArrayDeque<>(); // PUTs still to make, in order
    private boolean sending;
    private final List<Long> timedOut = new ArrayList<>(); // when each PUT given up on was sent
    private long sentCount;
    private boolean failoverRequested;
    private boolean stopped;

    public GraderOperator(World world, SplittableRandom random) {
        this.world = world;
        this.random = random;
        this.periodMicros = 10_000 + random.nextInt(40_000);
    }

    /**
     * Takes a cluster over from controllers that stopped: its first view is led by the node synced in the newest
     * view, the one node known to hold everything until a view of the operator's is established.
     */
    public void takeOver(Decision initial) {
        establishedLives = Map.of(initial.primary(), world.replica(initial.primary()).incarnation());
        start(initial);
    }

    /** Starts with the view of every node, the lowest id primary (the prototype's default). */
    public void start(Decision initial) {
        latest = initial;
        primaryLife = world.replica(initial.primary()).incarnation();
        world.note("operator: first view, " + initial);
        sendToMembers(initial);
        world.after(periodMicros, this::check);
    }

    /**
     * A fault began or ended: whatever was installed may no longer be (a member crashed, or came back empty), so
     * the latest decision counts as installed again only once it is seen so afresh.
     */
    public void faultChanged() {
        installedSince = -1;
    }

    /** Stops deciding; what it sent is still on its way. */
    public void stop() {
        stopped = true;
        sends.clear();
    }

    public void requestFailover() {
        failoverRequested = true;
    }

    /** The operator's latest decision. */
    public Decision latest() {
        return latest;
    }

    /**
     * Since when the latest decision has been installed: the first moment every PUT of it had been answered and every
     * member held it, under whatever number (-1: not yet). Whatever happens to it afterwards without a fault or a new
     * decision, such as its members renumbering it or backups taking the state, must not make clients get a 503.
     */
    public long installedSince() {
        return installedSince;
    }

    /** Whether the operator is still talking to the members (a view being sent). */
    public boolean busy() {
        return sending || !sends.isEmpty();
    }

    /** Called by the simulator after every step: notes the moment the latest decision is established. */
    public void observe() {
        if (latest == null) {
            return;
        }
        if (installedSince < 0 && !busy() && noPutOnItsWay() && missingFrom(latest).isEmpty()) {
            installedSince = world.now(); // every PUT of it answered: from now on, nothing may disturb clients
        }
        if (!isEstablished(latest)) {
            return;
        }
        if (established != latest || livesChanged()) {
            established = latest;
            Map<String, Long> lives = new LinkedHashMap<>();
            for (String m : latest.members()) {
                lives.put(m, world.replica(m).incarnation());
            }
            establishedLives = lives;
        }
    }

    /**
     * A PUT the operator gave up waiting for may still arrive (an HTTP request that timed out at the client can still
     * be served) and install an older decision: until then, the latest one is not the only one on its way.
     */
    private boolean noPutOnItsWay() {
        timedOut.removeIf(sentAt -> world.now() - sentAt > MAY_STILL_ARRIVE);
        return timedOut.isEmpty();
    }

    private boolean livesChanged() {
        for (Map.Entry<String, Long> m : establishedLives.entrySet()) {
            if (world.replica(m.getKey()).incarnation() != m.getValue()) {
                return true;
            }
        }
        return false;
    }

    /**
     * Its primary leads it and every backup is synced in the very view the primary holds, number included: a backup
     * left out of a decision in between may still hold an older view with the same members, and think itself synced
     * in it (as an operator reading {@code GET /view} sees from the epochs).
     */
    private boolean isEstablished(Decision d) {
        Replica primary = world.replica(d.primary());
        if (primary == null || !d.isHeldBy(primary.view()) || !primary.isServingPrimary()) {
            return false;
        }
        for (String b : d.backups()) {
            Replica r = world.replica(b);
            if (r == null || !primary.view().equals(r.view()) || !r.isSynced()) {
                return false;
            }
        }
        return true;
    }

    // ---- deciding ----------------------------------------------------------------------------------------------

    private void check() {
        if (stopped) {
            return;
        }
        world.after(periodMicros, this::check);
        if (busy()) {
            return;
        }
        Replica primary = world.replica(latest.primary());
        if (primary == null || primary.incarnation() != primaryLife) {
            // Its primary is gone (V3 lets the operator move on only then): lead with a node that holds it all (V2).
            List<String> eligible = eligible();
            if (!eligible.isEmpty()) {
                decide(around(eligible.get(random.nextInt(eligible.size()))), "primary " + latest.primary()
                        + " is gone");
            }
            return;
        }
        List<String> dead = new ArrayList<>();
        List<String> missing = new ArrayList<>();
        for (String b : latest.backups()) {
            Replica r = world.replica(b);
            if (r == null) {
                dead.add(b);
            } else if (!latest.isHeldBy(r.view())) {
                missing.add(b);
            }
        }
        List<String> lagging = primary.state().laggingBackups();
        List<String> outside = new ArrayList<>();
        for (String n : world.nodes()) {
            if (world.replica(n) != null && !latest.members().contains(n) && world.canTalk(latest.primary(), n)) {
                outside.add(n);
            }
        }
        if (!dead.isEmpty()) {
            decide(without(dead), "leave out " + dead + ", which died"); // the graders' view after a kill
        } else if (!latest.isHeldBy(primary.view()) || !missing.isEmpty()) {
            List<String> targets = missing;
            if (!latest.isHeldBy(primary.view())) {
                targets.add(0, latest.primary());
            }
            sendTo(latest, targets); // V3: the primary may still take it up; send it again
        } else if (!lagging.isEmpty()) {
            decide(without(lagging), "leave out " + lagging + ", which the primary cannot reach");
        } else if (!isEstablished(latest)) {
            return; // a backup is still taking the state
        } else if (failoverRequested && !latest.backups().isEmpty() && noPutOnItsWay()) {
            // A planned move waits until no PUT it gave up on can still land: a late one of a race (sent to a
            // paused node) would install a view of the old primary after the move, and with no backup in it, that
            // primary would serve beside the new one. Epoch-less views cannot be ordered by the nodes.
            failoverRequested = false;
            String next = latest.backups().get(random.nextInt(latest.backups().size()));
            decide(around(next), "move the primary to " + next);
        } else if (!outside.isEmpty()) {
            decide(around(latest.primary()), "take back " + outside);
        } else if (random.nextInt(8) == 0) {
            world.note("operator: send the same view again, " + latest);
            sendTo(latest, shuffled(latest.members()));
        } else if (random.nextInt(12) == 0 && latest.members().size() > 1) {
            race();
        }
    }

    private Decision without(List<String> leftOut) {
        List<String> keep = new ArrayList<>(latest.backups());
        keep.removeAll(leftOut);
        return new Decision(latest.primary(), keep);
    }

    /** Every live node, with {@code primary} leading: the graders' "send the full view". */
    private Decision around(String primary) {
        List<String> backups = new ArrayList<>();
        for (String n : world.nodes()) {
            if (!n.equals(primary) && world.replica(n) != null && world.canTalk(primary, n)) {
                backups.add(n);
            }
        }
        return new Decision(primary, backups);
    }

    /**
     * V2 without numbers: live members of the newest established decision that have not restarted since it was
     * established, or came back from their disks. They applied everything it acknowledged; no later decision acknowledged anything, for none was
     * established.
     */
    public List<String> eligible() {
        List<String> out = new ArrayList<>();
        if (established == null && establishedLives.isEmpty()) { // nothing was acknowledged: any node that may lead
            for (String n : world.nodes()) {
                if (world.replica(n) != null && world.replica(n).mayLead()) {
                    out.add(n);
                }
            }
            return out.isEmpty() ? noneHoldsAnything() : out;
        }
        for (Map.Entry<String, Long> m : establishedLives.entrySet()) {
            Replica r = world.replica(m.getKey());
            // One that restarted from its disk holds what it acknowledged as much as one that never restarted.
            if (r != null && (r.incarnation() == m.getValue() || r.keepsOnDisk()) && r.mayLead()) {
                out.add(m.getKey());
            }
        }
        if (out.isEmpty()) {
            return noneHoldsAnything();
        }
        if (out.stream().anyMatch(n -> world.replica(n).keepsOnDisk())) {
            // When every candidate restarted (every node died), a node still down keeps its disk and comes back with
            // it: until it has, nobody can tell whether a race left it leading alone under a newer number and
            // acknowledging there (seed 1006: the operator made the first node back primary, without the writes the
            // other had acknowledged alone). A candidate still in its established life has followed every view.
            boolean everyCandidateRestarted = out.stream()
                    .noneMatch(n -> world.replica(n).incarnation() == establishedLives.get(n));
            if (everyCandidateRestarted && establishedLives.keySet().stream().anyMatch(n -> world.replica(n) == null)) {
                return List.of();
            }
            // After every node restarted, a race may have left one of them leading alone under a newer number:
            // only those synced last hold what it acknowledged (what a grader reads from GET /view's epochs).
            long newest = out.stream().mapToLong(n -> world.replica(n).syncedView()).max().orElse(0);
            out.removeIf(n -> world.replica(n).syncedView() < newest);
        }
        return out;
    }

    /**
     * Every node is up, keeps its state on disk, and none was ever synced in a view as far as its disk knows: then
     * none acknowledged anything (an acknowledgement waits until its primary's being synced is on disk), whatever
     * was established in memory before they all restarted, and any of them may be offered the lead; it asks the
     * others whether the cluster is new before it leads (V2). Otherwise nobody (the operator waits).
     */
    private List<String> noneHoldsAnything() {
        for (String n : world.nodes()) {
            Replica r = world.replica(n);
            if (r == null || !r.keepsOnDisk() || r.mayLead()) {
                return List.of();
            }
        }
        return List.copyOf(world.nodes());
    }

    private void decide(Decision next, String why) {
        world.note("operator: " + why + ": " + next);
        latest = next;
        primaryLife = world.replica(next.primary()).incarnation();
        installedSince = -1;
        sendToMembers(next);
    }

    /**
     * Two views with the same primary sent at once, member by member interleaved: the members may end in either,
     * numbered in any order; the operator then holds to the second (a primary that leads both is safe: it holds
     * everything either way).
     */
    private void race() {
        List<String> backups = new ArrayList<>(latest.backups());
        Decision fewer = new Decision(latest.primary(), backups.subList(0, backups.size() - 1));
        world.note("operator: race " + fewer + " against " + latest);
        List<String> order = shuffled(latest.members());
        for (String m : order) {
            if (fewer.members().contains(m)) {
                sends.add(() -> put(m, fewer));
            }
            sends.add(() -> put(m, latest));
        }
        installedSince = -1; // another view is on its way: not the one installed
        next();
    }

    private List<String> missingFrom(Decision d) {
        List<String> out = new ArrayList<>();
        for (String m : d.members()) {
            Replica r = world.replica(m);
            if (r == null || !d.isHeldBy(r.view())) {
                out.add(m);
            }
        }
        return out;
    }

    private void sendToMembers(Decision d) {
        sendTo(d, shuffled(d.members()));
    }

    private void sendTo(Decision d, List<String> targets) {
        for (String m : targets) {
            sends.add(() -> put(m, d));
        }
        next();
    }

    private void next() {
        if (sending || sends.isEmpty() || stopped) {
            return;
        }
        sending = true; // from now: a PUT paused before it is sent is still one under way
        Runnable put = sends.poll();
        world.after(random.nextInt(3) == 0 ? random.nextInt(20_000) : 0, put);
    }

    private long awaiting; // the number of the PUT waiting for its answer
    private String awaitingFrom;

    /** One PUT /view: sent, then the next only once answered (or after the timeout, as a grader's retry). */
    private void put(String member, Decision d) {
        if (stopped) {
            return;
        }
        long number = ++sentCount;
        awaiting = number;
        awaitingFrom = member;
        long sentAt = world.now();
        world.send(member, new UnnumberedView(d.primary(), d.backups()));
        world.after(ANSWER_TIMEOUT, () -> {
            if (awaiting == number) {
                timedOut.add(sentAt); // given up on, as a grader's request that timed out: it may still arrive
                answered();
            }
        });
    }

    public void onReply(String from, ViewReply reply) {
        if (from.equals(awaitingFrom) && sending) {
            if (reply.refusal() != null) {
                world.note("operator: node " + from + " refused: " + reply.refusal());
            }
            answered();
        }
    }

    private void answered() {
        awaiting = 0;
        awaitingFrom = null;
        sending = false;
        next();
    }

    private List<String> shuffled(List<String> in) {
        List<String> out = new ArrayList<>(in);
        for (int i = out.size() - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            String t = out.get(i);
            out.set(i, out.get(j));
            out.set(j, t);
        }
        return out;
    }

    /** The nodes in the latest decision (for the availability check). */
    public Set<String> members() {
        return latest == null ? Set.of() : new HashSet<>(latest.members());
    }
}
