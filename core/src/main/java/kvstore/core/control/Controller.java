package kvstore.core.control;

import kvstore.core.Address;
import kvstore.core.Ballot;
import kvstore.core.Bug;
import kvstore.core.Message;
import kvstore.core.Message.Accept;
import kvstore.core.Message.Accepted;
import kvstore.core.Message.NewView;
import kvstore.core.Message.Prepare;
import kvstore.core.Message.Probe;
import kvstore.core.Message.Promise;
import kvstore.core.Message.Refused;
import kvstore.core.Message.Status;
import kvstore.core.NodeState;
import kvstore.core.Process;
import kvstore.core.Send;
import kvstore.core.View;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.random.RandomGenerator;

/**
 * The failover controller: watches the nodes with probes and, when the view must change (its primary or a backup
 * is unreachable, a node is back, a view never got established), decides the next view with the nodes as Paxos
 * acceptors and installs it. A deterministic state machine like the replica: ticks and answers in, messages out;
 * the simulator and the production host ({@code ControllerHost}) run the same code.
 *
 * <p>One round, with ballot number b (one past every number heard of):
 * <ol>
 *   <li>Prepare(b) to every node. A voter promises, which fences it (it stops serving any view below b), and
 *       reports the newest view it accepted and what it holds.</li>
 *   <li>With promises from a majority of all nodes: let H be the newest accepted view among them. The next
 *       primary must hold every acknowledged write: a promiser synced in H, or, if H provably never
 *       acknowledged anything, synced in the view H was based on. The new view has that primary and, as
 *       backups, every other node that answered, except nodes left out for a while (backups the primary
 *       reported lagging, a primary cut off from most of its backups). Accept(b, view)
 *       to every node.</li>
 *   <li>With a majority of all nodes accepted, each in the life it promised in, the view is decided:
 *       NewView to every node, resent until it is established.</li>
 * </ol>
 * docs/protocol.md ("The controller") argues why two controllers, restarts and lost messages cannot produce two
 * primaries that both acknowledge, nor lose an acknowledged write.
 */
public final class Controller implements Process {
    /**
     * What the controller reports about itself: a line of its reasoning, and, as events a timeline can draw, each
     * round it starts or abandons and each view it decided.
     */
    public interface Events {
        void note(String text);

        default void roundStarted(long number, String reason) {
        }

        default void roundAbandoned(long number, String why) {
        }

        default void decided(View view) {
        }

        /**
         * A view this controller decided is established (its primary serves, its backups are synced), {@code ticks}
         * after the round that chose it began: what a failure cost, from the decision to act to service again.
         */
        default void established(View view, long ticks) {
        }

        /** A view this controller decided was not established within its settling time (it looks again). */
        default void notEstablished(View view, long ticks) {
        }
    }

    private final String name;
    private final List<String> nodes;
    private final int majority;
    private final ControllerConfig config;
    private final RandomGenerator random;
    private final Events events;

    private long now;
    private final Map<String, Heard> heard = new HashMap<>();
    private long highestNumber;               // the highest view or ballot number heard of
    private final Map<String, Long> droppedUntil = new HashMap<>();   // left out of views until then
    private final Map<String, Integer> lagStrikes = new HashMap<>();  // dropped for lagging since last serving
    private List<String> leadFrom = List.of(); // the next round's primary comes from these if it can
    private boolean waitingForMinimum; // the view must not shrink below the smallest allowed: writes wait
    private final Map<String, Long> lagDroppedUntil = new HashMap<>(); // the last drop for lagging lasts until
    private static final int MAX_DOUBLINGS = 5;
    private final Map<String, Long> restoreTriedUntil = new HashMap<>(); // not a reason for a round until then
    private long backoffUntil;
    private long unsettledSince = -1;
    private boolean moveRequested;
    private String lastRefusalToAct;          // logged once, not every tick
    private Round round;
    private List<Send> out = new ArrayList<>();

    /** A node's latest answer, and when the question it answered was sent: a late answer is not fresh. */
    private record Heard(long askedAt, NodeState state) {
    }

    private enum Phase { PREPARE, ACCEPT, ACTIVATE }

    private static final class Round {
        final Ballot ballot;
        final long startedAt;
        final Map<String, Long> restorable; // nodes known to have restarted before the round began, by life
        final Map<String, NodeState> promises = new LinkedHashMap<>();
        final Set<String> answered = new LinkedHashSet<>();
        final Set<String> accepted = new LinkedHashSet<>();
        Phase phase = Phase.PREPARE;
        long phaseStartedAt;
        String previousPrimary;
        View proposal;
        boolean answersMove; // its proposal was chosen knowing the primary was asked to move
        boolean restoredPrimaryAccepted; // its proposal's primary, restored by it (C6), accepted the proposal
        List<String> leadFrom = List.of(); // the backups cut off from a deposed primary: its primary comes from them

        Round(Ballot ballot, long startedAt, Map<String, Long> restorable) {
            this.ballot = ballot;
            this.startedAt = startedAt;
            this.phaseStartedAt = startedAt;
            this.restorable = restorable;
        }
    }

    /**
     * @param name   this controller and its life, unique among all controllers ever run against the cluster (for
     *               example {@code "c1#2"}, or a random id): its ballots are its own
     * @param nodes  every node of the cluster: majorities are counted over all of them, reachable or not
     * @param random only to spread out retries after a failed round
     */
    public Controller(String name, List<String> nodes, ControllerConfig config, RandomGenerator random,
                      Events events) {
        this.name = Objects.requireNonNull(name);
        this.nodes = List.copyOf(nodes);
        if (this.nodes.isEmpty() || Set.copyOf(this.nodes).size() != this.nodes.size()) {
            throw new IllegalArgumentException("a controller needs a list of distinct nodes: " + nodes);
        }
        if (config.minViewSize() > this.nodes.size()) {
            throw new IllegalArgumentException("a smallest view of " + config.minViewSize() + " nodes among "
                    + this.nodes.size() + ": no view could be decided");
        }
        this.majority = config.bugs().contains(Bug.CONTROLLER_NO_MAJORITY) ? 1 : this.nodes.size() / 2 + 1;
        this.config = config;
        this.random = random;
        this.events = events;
    }

    // ---- inputs -------------------------------------------------------------------------------------------

    @Override
    public List<Send> onTick() {
        now++;
        if (now % config.probeEvery() == 1) {
            for (String n : nodes) {
                send(n, new Probe(now));
            }
        }
        if (round != null) {
            advanceRound();
        } else if (now >= backoffUntil) {
            String reason = reasonToChange();
            if (reason != null) {
                startRound(reason);
            }
        }
        return drain();
    }

    /** Takes the answers of the cluster's nodes only. */
    @Override
    public List<Send> onMessage(Address sender, Message message) {
        if (!(sender instanceof Address.Node node) || !nodes.contains(node.name())) {
            return List.of();
        }
        String from = node.name();
        switch (message) {
            case Status s -> heardFrom(from, s.sentAt(), s.state());
            case Promise p -> onPromise(from, p);
            case Accepted a -> onAccepted(from, a);
            case Refused r -> onRefused(from, r);
            default -> { } // not for a controller
        }
        return drain();
    }

    /** Asks for the primary to move to another node that holds everything (a planned failover). */
    public void requestMove() {
        moveRequested = true;
    }

    // ---- deciding whether to act --------------------------------------------------------------------------------

    /** Why the view must change now, or null. Only with a majority reachable: a round needs one. */
    private String reasonToChange() {
        List<String> alive = nodes.stream().filter(this::alive).toList();
        if (alive.size() < majority) {
            return refuse("only " + alive.size() + " of " + nodes.size() + " nodes answer; a majority is needed");
        }
        if (alive.size() < config.minViewSize()) { // no round: preparing would fence the view for nothing
            return refuse("only " + alive.size() + " of " + nodes.size() + " nodes answer; the smallest view allowed"
                    + " has " + config.minViewSize());
        }
        View current = currentView();
        String reason = immediateReason(current, alive);
        if (reason == null && waitingForMinimum) {
            unsettledSince = -1; // not a view that failed to settle: one the smallest view size keeps as it is
        } else if (reason == null) {
            if (current != null && !established(current) && !establishing(current)) {
                if (unsettledSince < 0) {
                    unsettledSince = now;
                }
                if (now - unsettledSince >= config.settle()) {
                    reason = "view " + current.number() + " has not been established for " + config.settle()
                            + " ticks";
                }
            } else {
                unsettledSince = -1;
                if (current != null && established(current)) {
                    current.members().forEach(lagStrikes::remove); // serving in it: past drops are forgiven
                }
            }
        }
        if (reason == null) {
            return null;
        }
        Map<String, NodeState> reachable = statesOf(alive);
        if (candidatesFrom(reachable, requiredSyncedView(reachable)).isEmpty()) {
            // Preparing would fence the nodes for nothing: no node we can reach may lead.
            return refuse(reason + ", but no reachable node holds every acknowledged write (the primary of the "
                    + "newest view, or a node synced in it): waiting for one");
        }
        lastRefusalToAct = null;
        return reason;
    }

    private String immediateReason(View current, List<String> alive) {
        waitingForMinimum = false;
        leadFrom = List.of();
        if (current == null) {
            return "no view yet";
        }
        if (moveRequested) {
            return "asked to move the primary";
        }
        if (!alive(current.primary())) {
            return "primary " + current.primary() + " of view " + current.number() + " does not answer";
        }
        for (String b : current.backups()) {
            if (!alive(b)) {
                return "backup " + b + " of view " + current.number() + " does not answer";
            }
        }
        NodeState primaryState = heard.get(current.primary()).state();
        List<String> lagging = primaryState.laggingBackups();
        if (!lagging.isEmpty() && current.equals(primaryState.view())) {
            int keptUp = current.members().size() - lagging.size(); // the primary and the backups it still reaches
            // Every lagging backup answers us (one that does not was a reason above), so more lagging members
            // than the primary keeps up with, counting itself, most likely means the primary is the one cut off.
            // If one of them may lead (C5), a view led from them keeps more replicas of every write than the
            // primary with fewer; the primary, dropped like a lagging backup, comes back as a backup later. (A
            // backup whose catch-up stalled lags too; leading from it is as safe, C5 being all safety needs.)
            Map<String, NodeState> reachable = statesOf(alive);
            List<String> candidates = candidatesFrom(reachable, requiredSyncedView(reachable));
            if (lagging.size() > keptUp && lagging.stream().anyMatch(candidates::contains)) {
                drop(current.primary());
                leadFrom = List.copyOf(lagging);
                return "primary " + current.primary() + " reports " + lagging.size() + " of its "
                        + current.backups().size() + " backups lagging: a view led from " + lagging;
            }
            if (keptUp < config.minViewSize()) {
                waitingForMinimum = true;
                return refuse("primary " + current.primary() + " reports backups " + lagging + " lagging, but a view"
                        + " without them would have fewer than " + config.minViewSize() + " nodes (the smallest"
                        + " allowed): writes wait for them");
            }
            lagging.forEach(this::drop);
            return "primary " + current.primary() + " reports backups " + lagging + " lagging";
        }
        for (String n : alive) {
            if (!current.isMember(n) && !dropped(n)) {
                return "node " + n + " answers and is not in view " + current.number();
            }
            if (!heard.get(n).state().voter() && restoreTriedUntil.getOrDefault(n, 0L) <= now) {
                return "node " + n + " restarted and must be restored as a voter";
            }
        }
        return null;
    }

    /**
     * Leaves a node that lags (or a primary cut off from most of its view) out of views, for longer each time it
     * happens again until it has served in an established view: a node that cannot keep up is not added back at once, only
     * to be dropped again. Counted once per drop: the reason is asked again every tick until a round starts.
     */
    private void drop(String node) {
        if (lagDroppedUntil.getOrDefault(node, 0L) <= now) {
            int strikes = lagStrikes.merge(node, 1, Integer::sum);
            long until = now + ((long) config.dropFor() << Math.min(strikes - 1, MAX_DOUBLINGS));
            lagDroppedUntil.put(node, until);
            droppedUntil.merge(node, until, Math::max);
        }
    }

    private boolean dropped(String node) {
        return droppedUntil.getOrDefault(node, 0L) > now;
    }

    private String refuse(String why) {
        if (!why.equals(lastRefusalToAct)) {
            events.note(name + ": " + why);
            lastRefusalToAct = why;
        }
        return null;
    }

    /** The newest view any reachable node has installed (null: none). */
    private View currentView() {
        View newest = null;
        for (String n : nodes) {
            if (alive(n)) {
                View v = heard.get(n).state().view();
                if (v != null && (newest == null || v.number() > newest.number())) {
                    newest = v;
                }
            }
        }
        return newest;
    }

    /** Its primary serves it and every backup is synced in it (as last heard). */
    private boolean established(View v) {
        for (String m : v.members()) {
            Heard h = heard.get(m);
            if (h == null || !alive(m) || !v.equals(h.state().view()) || h.state().fenced()
                    || !(h.state().synced() || m.equals(v.primary()))) {
                return false;
            }
        }
        return true;
    }

    /**
     * On its way to being established: its primary serves it, every member holds it, and each backup not synced in
     * it is catching up and making progress, as the primary reports; or the primary is still taking a backup's
     * newer state (V2a). A controller leaves such a view alone however long the transfer takes (docs/protocol.md,
     * "Catch-up"); when progress stops, the primary reports the backup lagging (or silent).
     */
    private boolean establishing(View v) {
        Heard primary = heard.get(v.primary());
        if (primary == null || !alive(v.primary()) || !v.equals(primary.state().view()) || primary.state().fenced()) {
            return false;
        }
        if (primary.state().takingNewerState()) {
            return true;
        }
        for (String b : v.backups()) {
            Heard h = heard.get(b);
            if (h == null || !alive(b) || !v.equals(h.state().view()) || h.state().fenced()
                    || !h.state().synced() && !primary.state().reportsCatchingUp(b)) {
                return false;
            }
        }
        return true;
    }

    private boolean alive(String node) {
        Heard h = heard.get(node);
        return h != null && now - h.askedAt() <= config.suspectAfter();
    }

    private Map<String, NodeState> statesOf(List<String> some) {
        Map<String, NodeState> states = new LinkedHashMap<>();
        for (String n : some) {
            states.put(n, heard.get(n).state());
        }
        return states;
    }

    /**
     * The nodes that may lead the next view, given their states: each must hold every write acknowledged in any
     * view. Let H be the newest view any of them accepted; with promises from a majority, H is at least as new as
     * every view ever decided. If H may have acknowledged writes, the next primary must be synced in H (or later):
     * H acknowledged only what every member applied, and a member that promised, being fenced, takes no more.
     * H provably acknowledged nothing if one of its members promised while not synced in it: H needed that
     * member, which can no longer join it. Then what H's primary held when H was chosen is what counts: every
     * acknowledged write is held by nodes synced in H's basis. The same fallback applies when H had one member
     * and it restarted since: its writes had no other replica.
     */
    private List<String> candidatesFrom(Map<String, NodeState> states, long requiredSyncedView) {
        long required = config.bugs().contains(Bug.CONTROLLER_ANY_PRIMARY) ? 0 : requiredSyncedView;
        List<String> candidates = new ArrayList<>();
        for (Map.Entry<String, NodeState> e : states.entrySet()) {
            NodeState s = e.getValue();
            // A restarted node that is not a voter may lead too, restored by the round that makes it primary (C6):
            // what it holds is what its synced view says, of this life or proved by its disk (0 without either).
            // Voting is about promises, not state; the one node synced in the newest view may be such a node.
            if (s.mayLead() && s.syncedView() >= required) {
                candidates.add(e.getKey());
            }
        }
        return candidates;
    }

    /** The view the next primary must be synced in (or later), as {@link #candidatesFrom} explains. */
    private long requiredSyncedView(Map<String, NodeState> states) {
        View newest = newestAccepted(states);
        if (newest == null) {
            return 0; // no view was ever decided, so nothing was acknowledged
        }
        Heard primary = heard.get(newest.primary());
        if (newest.backups().isEmpty() && newest.primaryIncarnation() != 0 && primary != null
                && primary.state().incarnation() > newest.primaryIncarnation()
                && primary.state().syncedView() < newest.number()) {
            // A one-node view whose only member has restarted since without its state (it keeps none on disk, or
            // its disk could not prove it): whatever it acknowledged alone died with it (the store keeps writes
            // while one replica of their view lives), and it can serve no more. Waiting would bring nothing back.
            // A member that came back from its disk still holds them, and is a candidate like any other. This assumes a newer life answering at a node's address means the older
            // one is dead (docs/protocol.md). Only a newer incarnation counts: what we last heard may be older
            // than the life the view names, and that proves nothing.
            return newest.basis();
        }
        for (String member : newest.members()) {
            NodeState s = states.get(member);
            if (s != null && s.voter() && s.syncedView() < newest.number()) {
                return newest.basis(); // this member never joined it, and now never will
            }
        }
        return newest.number();
    }

    private static View newestAccepted(Map<String, NodeState> states) {
        View newest = null;
        for (NodeState s : states.values()) {
            if (s.voter() && s.accepted() != null && (newest == null || s.accepted().number() > newest.number())) {
                newest = s.accepted();
            }
        }
        return newest;
    }

    // ---- a round ------------------------------------------------------------------------------------------------

    private void startRound(String reason) {
        long number = highestNumber + 1;
        Map<String, Long> restorable = new HashMap<>();
        for (String n : nodes) {
            if (alive(n) && !heard.get(n).state().voter()) {
                restorable.put(n, heard.get(n).state().incarnation());
            }
        }
        round = new Round(new Ballot(number, name), now, restorable);
        round.leadFrom = leadFrom;
        for (String n : restorable.keySet()) {
            restoreTriedUntil.put(n, now + config.dropFor()); // a node that cannot be restored must not cause a
        }                                                     // round after round
        highestNumber = number;
        events.note(name + ": round " + number + ": " + reason);
        events.roundStarted(number, reason);
        for (String n : nodes) {
            send(n, new Prepare(round.ballot));
        }
    }

    private void advanceRound() {
        long inPhase = now - round.phaseStartedAt;
        switch (round.phase) {
            case PREPARE, ACCEPT -> {
                proposeWhenReady();
                if (round == null || round.phaseStartedAt == now) {
                    return; // proposed (or gave up) just now
                }
                if (inPhase >= config.phaseTimeout()) {
                    abandon("no majority answered " + (round.phase == Phase.PREPARE ? "the prepare" : "the accept")
                            + " in time");
                } else if (inPhase > 0 && inPhase % config.resendEvery() == 0) {
                    for (String n : nodes) {
                        if (round.phase == Phase.PREPARE && !round.answered.contains(n)) {
                            send(n, new Prepare(round.ballot));
                        } else if (round.phase == Phase.ACCEPT && !round.accepted.contains(n)) {
                            send(n, acceptFor(n));
                        }
                    }
                }
            }
            case ACTIVATE -> {
                if (established(round.proposal)) {
                    events.note(name + ": view " + round.proposal.number() + " established");
                    events.established(round.proposal, now - round.startedAt);
                    round = null;
                    unsettledSince = -1;
                } else if (inPhase >= config.settle()) {
                    boolean catchingUp = establishing(round.proposal);
                    events.note(name + ": view " + round.proposal.number() + (catchingUp
                            ? " not established yet: its backups are catching up" : " not established in time"));
                    events.notEstablished(round.proposal, now - round.startedAt);
                    round = null;
                } else if (inPhase % config.resendEvery() == 0) {
                    for (String n : nodes) {
                        Heard h = heard.get(n);
                        if (round.restorable.containsKey(n) && h != null && !h.state().voter()) {
                            send(n, acceptFor(n)); // its restore was lost: without it, it refuses the view
                        }
                        if (h == null || h.state().view() == null
                                || h.state().view().number() < round.proposal.number()) {
                            send(n, new NewView(round.proposal, true));
                        }
                    }
                }
            }
        }
    }

    private void onPromise(String from, Promise p) {
        if (round == null || round.phase != Phase.PREPARE || !p.ballot().equals(round.ballot)) {
            return;
        }
        heardFrom(from, round.startedAt, p.state());
        round.answered.add(from);
        if (p.state().voter()) {
            round.promises.put(from, p.state());
        }
        proposeWhenReady();
    }

    /**
     * With a majority of promises, propose once every node that answers probes has answered the prepare too (so
     * that the view includes it), or once half the phase has passed without them.
     */
    private void proposeWhenReady() {
        if (round.phase != Phase.PREPARE || round.promises.size() < majority) {
            return;
        }
        boolean allAnswered = nodes.stream().allMatch(n -> round.answered.contains(n) || !alive(n));
        if (allAnswered || now - round.phaseStartedAt >= config.phaseTimeout() / 2) {
            propose();
        }
    }

    private void onRefused(String from, Refused r) {
        if (round == null || round.phase == Phase.ACTIVATE || !r.ballot().equals(round.ballot)) {
            return; // late: once decided, a refusal (say, from a node that installed the view) changes nothing
        }
        heardFrom(from, round.startedAt, r.state());
        highestNumber = Math.max(highestNumber, r.state().highestNumber());
        if (r.state().voter()) {
            abandon("node " + from + " promised " + r.state().promised() + " already");
        } else if (round.phase == Phase.PREPARE) {
            round.answered.add(from); // restarted: no vote, but it answers and may join as a backup
        }
    }

    private void onAccepted(String from, Accepted a) {
        if (round == null || round.phase != Phase.ACCEPT || !a.ballot().equals(round.ballot)) {
            return;
        }
        heardFrom(from, round.startedAt, a.state());
        NodeState promised = round.promises.get(from);
        // Only a vote from the life that promised counts: a node that restarted since forgot its promise.
        if (promised != null && promised.incarnation() == a.state().incarnation()) {
            round.accepted.add(from);
        }
        if (from.equals(round.proposal.primary())
                && round.restorable.getOrDefault(from, 0L) == a.state().incarnation()) {
            round.restoredPrimaryAccepted = true;
        }
        if (round.accepted.size() >= majority && (round.promises.containsKey(round.proposal.primary())
                || round.restoredPrimaryAccepted)) {
            // A primary this round restores must have accepted first: that fences it from older views as a promise
            // would, and makes it a voter. Decided without it, a view whose every Accept to it was lost could be
            // served by nobody, and since it never promised, no later round could prove that view acknowledged
            // nothing: the controller waited for ever.
            decide();
        }
    }

    private void propose() {
        long required = requiredSyncedView(round.promises);
        List<String> candidates = candidatesFrom(mayLeadThisRound(), required);
        View current = currentView();
        round.previousPrimary = current == null ? null : current.primary();
        round.answersMove = moveRequested;
        String primary = choosePrimary(candidates, current);
        if (primary == null) {
            abandon("no node that promised holds every acknowledged write");
            return;
        }
        List<String> backups = new ArrayList<>();
        List<String> droppedButAble = new ArrayList<>(); // taken back if the view would be too small without them
        for (String n : nodes) {
            if (n.equals(primary)) {
                continue;
            }
            // A restarted node can join only if this round restores its vote (C6): without it, it would refuse
            // the view. The next round will restore it.
            boolean mayJoin = round.promises.containsKey(n) || round.restorable.containsKey(n);
            boolean answered = round.answered.contains(n);
            if (answered && mayJoin && !dropped(n)) {
                backups.add(n);
            } else if (answered && mayJoin) {
                droppedButAble.add(n);
            } else if (alive(n) && !answered) {
                // It answers probes but not this round (a one-way cut?): adding it back at once would start
                // round after round. Leave it out for a while.
                if (!dropped(n)) {
                    droppedUntil.put(n, now + config.dropFor());
                }
            }
        }
        while (1 + backups.size() < config.minViewSize() && !droppedButAble.isEmpty()) {
            backups.add(droppedButAble.removeFirst());
        }
        if (1 + backups.size() < config.minViewSize()) {
            abandon("a view of " + (1 + backups.size()) + " node(s) " + primary + backups + " is below the smallest "
                    + "allowed, " + config.minViewSize() + " (--min-view-size)");
            return;
        }
        round.proposal = new View(round.ballot.number(), primary, backups,
                mayLeadThisRound().get(primary).incarnation(), required);
        round.phase = Phase.ACCEPT;
        round.phaseStartedAt = now;
        events.note(name + ": round " + round.ballot.number() + " proposes primary " + primary + ", backups "
                + backups + " (candidates " + candidates + ")");
        for (String n : nodes) {
            send(n, acceptFor(n));
        }
    }

    /**
     * Keeps the primary unless it is gone or asked to move; otherwise the candidate that was synced last, and of
     * those the one that applied the most: the others then hold states its log passed through, and catch up by
     * log suffix instead of taking the whole state (any candidate is safe, C5; this one is cheapest).
     */
    /**
     * The states of the nodes this round may make primary: those that promised, and those it restores (C6) that
     * answered its prepare in the life the round restores (so, alive now: a primary that promised proved that too).
     */
    private Map<String, NodeState> mayLeadThisRound() {
        Map<String, NodeState> states = new LinkedHashMap<>(round.promises);
        round.restorable.forEach((node, life) -> {
            Heard h = heard.get(node);
            if (round.answered.contains(node) && h != null && h.state().incarnation() == life
                    && !h.state().voter()) {
                states.putIfAbsent(node, h.state());
            }
        });
        return states;
    }

    private static boolean ahead(NodeState a, NodeState b) {
        return a.syncedView() != b.syncedView() ? a.syncedView() > b.syncedView() : a.applied() > b.applied();
    }

    private String choosePrimary(List<String> candidates, View current) {
        if (candidates.isEmpty()) {
            return null;
        }
        // A dropped node leads only if no other candidate may (it holds what is needed; a view without it holds
        // nothing).
        List<String> eligible = candidates.stream().filter(c -> !dropped(c)).toList();
        if (eligible.isEmpty()) {
            eligible = candidates;
        }
        List<String> preferred = eligible.stream().filter(round.leadFrom::contains).toList();
        if (!preferred.isEmpty()) {
            eligible = preferred; // not a backup on the deposed primary's side: it would be deposed next
        }
        String keep = current == null ? null : current.primary();
        if (keep != null && eligible.contains(keep) && !(moveRequested && eligible.size() > 1)) {
            return keep;
        }
        String best = null;
        Map<String, NodeState> mayLead = mayLeadThisRound();
        for (String c : nodes) { // in the nodes' order, so that ties go the same way every time
            if (eligible.contains(c) && !(moveRequested && c.equals(keep) && eligible.size() > 1)
                    && (best == null || ahead(mayLead.get(c), mayLead.get(best)))) {
                best = c;
            }
        }
        return best;
    }

    private Accept acceptFor(String node) {
        return new Accept(round.ballot, round.proposal, round.restorable.getOrDefault(node, 0L));
    }

    private void decide() {
        round.phase = Phase.ACTIVATE;
        round.phaseStartedAt = now;
        if (round.answersMove) {
            // Moved, or no other node could lead: either way the request is answered. (Whether the new view settles
            // is another matter; a request left standing made round after round when only one node could lead.)
            moveRequested = false;
        }
        events.note(name + ": view " + round.proposal.number() + " decided: primary " + round.proposal.primary()
                + ", backups " + round.proposal.backups());
        events.decided(round.proposal);
        for (String n : nodes) {
            send(n, new NewView(round.proposal, true));
        }
    }

    private void abandon(String why) {
        events.note(name + ": round " + round.ballot.number() + " abandoned: " + why);
        events.roundAbandoned(round.ballot.number(), why);
        round = null;
        backoffUntil = now + 1 + random.nextInt(config.backoff());
    }

    private void heardFrom(String node, long askedAt, NodeState state) {
        Heard before = heard.get(node);
        if (before == null || askedAt >= before.askedAt()) {
            heard.put(node, new Heard(askedAt, state));
        }
        highestNumber = Math.max(highestNumber, state.highestNumber());
    }

    private void send(String node, Message m) {
        out.add(new Send(new Address.Node(node), m));
    }

    private List<Send> drain() {
        List<Send> sends = out;
        out = new ArrayList<>();
        return sends;
    }

    public String name() {
        return name;
    }

    /** The view this controller is installing, or null between rounds. */
    public View deciding() {
        return round == null ? null : round.proposal;
    }
}
