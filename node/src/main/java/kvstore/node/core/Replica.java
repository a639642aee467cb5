package kvstore.node.core;

import kvstore.node.core.Message.Accept;
import kvstore.node.core.Message.Accepted;
import kvstore.node.core.Message.Ack;
import kvstore.node.core.Message.ClientReply;
import kvstore.node.core.Message.ClientRequest;
import kvstore.node.core.Message.NewView;
import kvstore.node.core.Message.Prepare;
import kvstore.node.core.Message.Probe;
import kvstore.node.core.Message.Promise;
import kvstore.node.core.Message.Refused;
import kvstore.node.core.Message.Replicate;
import kvstore.node.core.Message.StateTransfer;
import kvstore.node.core.Message.Status;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * One replica of the store: a deterministic state machine. Messages and timer ticks go in ({@link #onMessage},
 * {@link #onTick}); messages to send come out. It owns no thread, socket, clock or random source, so the
 * simulator and the HTTP server run the same code (the discipline of etcd's raft library).
 *
 * <p>Primary-backup replication. The primary of the current view orders every operation (reads included) with a
 * sequence number, applies it, and sends it to every backup of the view; it answers the client only when every
 * backup has applied it. Backups apply strictly in sequence order, buffer gaps, ignore duplicates, and act only on
 * messages of their current view. A backup that joins a view first receives the whole state and counts only after
 * that. See docs/protocol.md for the rules and why they keep acknowledged writes and reads linearizable.
 */
public final class Replica {
    private final String id;
    private final long incarnation; // grows with every restart of this node: tells its lives apart
    private final ReplicaConfig config;
    private boolean founding; // of a new cluster: may lead while it holds nothing

    private final ViewVotes votes; // this node's vote on views, for controllers
    private View view;
    private long viewSince;       // the tick the current view was installed
    private boolean synced;       // holds the complete state of the current view
    private long syncedView;      // the last view number in which this replica was synced (0: never)
    private TreeMap<String, String> data = new TreeMap<>();
    private Map<RequestId, Result> done = new HashMap<>(); // the result of every applied write, for retries
    private long applied;         // the last sequence number applied
    private long now;             // ticks seen

    // As a backup: replication messages that arrived ahead of a gap.
    private final TreeMap<Long, Replicate> ahead = new TreeMap<>();

    // As the primary: operations not yet applied by every backup, and how far each backup has applied.
    private final TreeMap<Long, Entry> unconfirmed = new TreeMap<>();
    private final Map<RequestId, Entry> unconfirmedById = new HashMap<>();
    private final Map<String, Long> appliedBy = new LinkedHashMap<>(); // -1: waiting for state transfer
    private final Map<String, Long> incarnationOf = new HashMap<>();    // each backup's incarnation, as announced

    // As any member: requests forwarded to the primary, by id, with who asked.
    private final Map<RequestId, Forwarded> forwarded = new LinkedHashMap<>(); // ordered: replies go out in order

    private List<Send> out = new ArrayList<>();

    private static final class Entry {
        final long seq;
        final RequestId id;
        final Command command;
        final Result result;
        final List<String> replyTo = new ArrayList<>(1);
        final long created;
        long deadline;
        boolean answered;

        Entry(long seq, RequestId id, Command command, Result result, long created, long deadline) {
            this.seq = seq;
            this.id = id;
            this.command = command;
            this.result = result;
            this.created = created;
            this.deadline = deadline;
        }
    }

    private record Forwarded(List<String> requesters, long deadline) {
    }

    /**
     * A replica that joins an existing cluster, or restarts after a crash with its memory lost: it never leads a
     * view until it has been synced in one, because it may lack acknowledged writes.
     */
    public Replica(String id, long incarnation, ReplicaConfig config) {
        this(id, incarnation, config, false);
    }

    private Replica(String id, long incarnation, ReplicaConfig config, boolean founding) {
        if (incarnation <= 0) {
            throw new IllegalArgumentException("an incarnation is a positive number that grows with each restart");
        }
        this.id = Objects.requireNonNull(id);
        this.incarnation = incarnation;
        this.config = config;
        this.founding = founding;
        this.votes = new ViewVotes(founding); // only a founding node cannot have forgotten a promise
    }

    /**
     * A replica of a brand-new cluster, which may lead with an empty state because nothing has been written yet.
     * Only the process that creates the cluster knows this; a view message cannot tell it (a restarted node may
     * receive the cluster's first view late, and must not start leading an empty store then).
     */
    public static Replica founding(String id, long incarnation, ReplicaConfig config) {
        return new Replica(id, incarnation, config, true);
    }

    /**
     * The host established that no member of the view it is asked to lead has ever held the cluster's state, so
     * the cluster is new and this replica may lead it while empty, as if created by {@link #founding}. Ignored
     * once the replica has been synced or applied anything. (Over HTTP a node that was started without knowing
     * whether it founds or rejoins asks the other members; see docs/protocol.md.)
     */
    public void foundNewCluster() {
        if (syncedView == 0 && applied == 0) {
            founding = true;
        }
    }

    // ---- inputs -------------------------------------------------------------------------------------------

    /** Handles one message from {@code from}; returns what to send. */
    public List<Send> onMessage(String from, Message message) {
        switch (message) {
            case ClientRequest r -> onClientRequest(from, r);
            case ClientReply r -> onReplyFromPrimary(r);
            case Replicate r -> onReplicate(from, r);
            case Ack a -> onAck(from, a);
            case StateTransfer s -> onStateTransfer(from, s);
            case NewView v -> {
                if (!v.decided() || votes.voter()) {
                    onNewView(v.view());
                }
            }
            case Probe p -> send(from, new Status(p.sentAt(), state()));
            case Prepare p -> onPrepare(from, p);
            case Accept a -> onAccept(from, a);
            case Message.Status s -> { } // answers meant for a controller
            case Promise p -> { }
            case Accepted a -> { }
            case Refused r -> { }
        }
        return drain();
    }

    /** One tick of time: retransmits, and gives up on what waited too long. */
    public List<Send> onTick() {
        now++;
        if (view != null && view.backups().contains(id) && !synced && !fenced()
                && now % config.retransmitTicks() == 0) {
            send(view.primary(), new Ack(view.number(), -1, incarnation)); // still waiting for the state
        }
        if (isPrimary() && !fenced()) {
            if (now % config.retransmitTicks() == 0) {
                retransmit();
            }
            for (Entry e : unconfirmed.values()) {
                if (!e.answered && e.deadline <= now) {
                    answer(e, Result.unavailable("not every backup confirmed the operation in time"));
                }
            }
        }
        Iterator<Map.Entry<RequestId, Forwarded>> it = forwarded.entrySet().iterator();
        while (it.hasNext()) {
            Map.Entry<RequestId, Forwarded> f = it.next();
            if (f.getValue().deadline <= now) {
                for (String requester : f.getValue().requesters) {
                    send(requester, new ClientReply(f.getKey(), Result.unavailable("the primary did not answer")));
                }
                it.remove();
            }
        }
        return drain();
    }

    // ---- clients ------------------------------------------------------------------------------------------

    private void onClientRequest(String from, ClientRequest request) {
        if (view == null) {
            send(from, new ClientReply(request.id(), refusal(request, "no view installed")));
            return;
        }
        if (!view.isMember(id)) {
            send(from, new ClientReply(request.id(), refusal(request, "this node is not in the current view")));
            return;
        }
        if (fenced()) {
            send(from, new ClientReply(request.id(), refusal(request, "a view change is in progress")));
            return;
        }
        if (!isPrimary()) {
            if (request.forwarded()) {
                send(from, new ClientReply(request.id(), Result.unavailable("not the primary of view "
                        + view.number())));
                return;
            }
            forwarded.computeIfAbsent(request.id(),
                    k -> new Forwarded(new ArrayList<>(1), now + config.forwardTimeoutTicks())).requesters.add(from);
            send(view.primary(), new ClientRequest(request.id(), request.command(), true));
            return;
        }
        if (!config.has(Bug.NO_IDEMPOTENCY)) {
            Entry waiting = unconfirmedById.get(request.id());
            if (waiting != null) {
                if (waiting.answered) {
                    waiting.answered = false; // a retry: answer it when the operation is confirmed
                    waiting.replyTo.clear();
                    waiting.deadline = now + config.replicationTimeoutTicks();
                }
                waiting.replyTo.add(from);
                return;
            }
            Result earlier = done.get(request.id());
            if (earlier != null) {
                if (earlier.seq() <= appliedEverywhere()) {
                    send(from, new ClientReply(request.id(), earlier));
                    return;
                }
                // Applied before, in an earlier view, and never confirmed there: answer once every backup of
                // this view holds it too (the state transfer carries it).
                Entry wait = new Entry(earlier.seq(), request.id(), request.command(), earlier, now,
                        now + config.replicationTimeoutTicks());
                wait.replyTo.add(from);
                unconfirmed.put(earlier.seq(), wait);
                unconfirmedById.put(request.id(), wait);
                return;
            }
        }
        long seq = ++applied;
        Result result = apply(request.command()).withSeq(seq);
        if (!request.command().isRead()) {
            done.put(request.id(), result);
        }
        if (request.command().isRead() && config.has(Bug.LOCAL_READS)) {
            send(from, new ClientReply(request.id(), result));
            applied--; // never replicated: the read took no place in the order
            return;
        }
        Entry entry = new Entry(seq, request.id(), request.command(), result, now,
                now + config.replicationTimeoutTicks());
        entry.replyTo.add(from);
        unconfirmed.put(seq, entry);
        unconfirmedById.put(request.id(), entry);
        if (config.has(Bug.ACK_BEFORE_REPLICATION) && !request.command().isRead()) {
            answer(entry, result);
        }
        Replicate message = new Replicate(view.number(), seq, request.id(), request.command());
        for (Map.Entry<String, Long> backup : appliedBy.entrySet()) {
            if (backup.getValue() >= 0) {
                send(backup.getKey(), message);
            }
        }
        confirmApplied();
    }

    /**
     * A refusal before ordering: certainly not applied if the client asked this node directly. Not so for a
     * forwarded request: a duplicate of it may have reached a primary first.
     */
    private static Result refusal(ClientRequest request, String why) {
        return request.forwarded() ? Result.unavailable(why) : Result.refused(why);
    }

    private void onReplyFromPrimary(ClientReply reply) {
        Forwarded f = forwarded.remove(reply.id());
        if (f != null) {
            for (String requester : f.requesters) {
                send(requester, reply);
            }
        }
    }

    // ---- replication ----------------------------------------------------------------------------------------

    private void onReplicate(String from, Replicate r) {
        boolean stale = view != null && r.view() < view.number();
        if (config.has(Bug.ACCEPT_STALE_VIEW) && stale) {
            send(from, new Ack(r.view(), r.seq(), incarnation)); // the planted bug: no fencing of an old primary
            return;
        }
        if (view == null || isPrimary() || fenced()) {
            return;
        }
        if (r.view() != view.number() || !from.equals(view.primary())) {
            // Fencing: only the current view's primary may replicate to us. The sender is checked as well as the
            // number because over HTTP nodes number epoch-less view documents themselves, so two different views
            // could share a number.
            return;
        }
        if (!synced) {
            ahead.put(r.seq(), r); // state transfer first; keep it for after
            return;
        }
        if (r.seq() > applied) {
            ahead.put(r.seq(), r);
            applyInOrder();
        }
        send(from, new Ack(r.view(), applied, incarnation));
    }

    private void applyInOrder() {
        while (!ahead.isEmpty() && ahead.firstKey() <= applied + 1) {
            Replicate next = ahead.pollFirstEntry().getValue();
            if (next.seq() <= applied) {
                continue; // a duplicate
            }
            Result result = apply(next.command()).withSeq(next.seq());
            if (!next.command().isRead()) {
                done.put(next.id(), result);
            }
            applied = next.seq();
        }
    }

    private void onAck(String from, Ack ack) {
        if (!isPrimary() || fenced() || ack.view() != view.number() || !appliedBy.containsKey(from)) {
            return; // an acknowledgement from another view, or from a node that is not our backup
        }
        Long known = incarnationOf.get(from);
        if (known != null && ack.incarnation() < known) {
            return; // from a life of that node that has ended: what it had applied is gone
        }
        if (known == null || ack.incarnation() > known) {
            // A backup we hear from for the first time in this life: it counts only after the state transfer.
            incarnationOf.put(from, ack.incarnation());
            if (config.has(Bug.COUNT_BEFORE_STATE_TRANSFER)) {
                send(from, new StateTransfer(view.number(), applied, new TreeMap<>(), new HashMap<>(),
                        ack.incarnation()));
            } else {
                appliedBy.put(from, -1L);
                send(from, snapshotFor(from));
            }
            confirmApplied();
            return;
        }
        appliedBy.put(from, Math.max(appliedBy.get(from), ack.seq()));
        confirmApplied();
    }

    /** The highest sequence number every backup of the view has applied (this primary has applied all). */
    private long appliedEverywhere() {
        long everywhere = applied;
        for (long a : appliedBy.values()) {
            everywhere = Math.min(everywhere, a);
        }
        return everywhere;
    }

    /** Answers every operation that every backup has now applied. */
    private void confirmApplied() {
        long everywhere = appliedEverywhere();
        while (!unconfirmed.isEmpty() && unconfirmed.firstKey() <= everywhere) {
            Entry e = unconfirmed.pollFirstEntry().getValue();
            unconfirmedById.remove(e.id);
            if (!e.answered) {
                answer(e, e.result);
            }
        }
    }

    private void retransmit() {
        for (Map.Entry<String, Long> backup : appliedBy.entrySet()) {
            long upTo = backup.getValue();
            if (upTo < 0) {
                if (incarnationOf.containsKey(backup.getKey())) {
                    send(backup.getKey(), snapshotFor(backup.getKey()));
                }
                continue;
            }
            int budget = 64;
            for (Entry e : unconfirmed.tailMap(upTo, false).values()) {
                if (budget-- == 0) {
                    break;
                }
                send(backup.getKey(), new Replicate(view.number(), e.seq, e.id, e.command));
            }
        }
    }

    private StateTransfer snapshotFor(String backup) {
        return new StateTransfer(view.number(), applied, new TreeMap<>(data), new HashMap<>(done),
                incarnationOf.get(backup));
    }

    private void onStateTransfer(String from, StateTransfer s) {
        if (view == null || isPrimary() || fenced() || s.view() != view.number() || !from.equals(view.primary())
                || s.incarnation() != incarnation) {
            return; // not from this view's primary, or meant for an earlier life of this node
        }
        if (!synced || s.seq() > applied) {
            data = new TreeMap<>(s.data());
            done = new HashMap<>(s.done());
            applied = s.seq();
            synced = true;
            syncedView = view.number();
            ahead.headMap(applied, true).clear();
            applyInOrder();
        }
        send(from, new Ack(view.number(), applied, incarnation));
    }

    // ---- views ----------------------------------------------------------------------------------------------

    private void onNewView(View next) {
        if (view != null && next.number() <= view.number()) {
            return; // not newer: a node never goes back to an older view
        }
        if (!votes.mayInstall(next)) {
            return; // a controller's newer round is under way here, or another view was accepted at this number
        }
        if (next.primary().equals(id) && (!mayLead()
                || (next.primaryIncarnation() != 0 && next.primaryIncarnation() != incarnation))) {
            // Restarted empty, or chosen in an earlier life: we may lack acknowledged writes, so refuse to lead.
            return;
        }
        abandonRole("the view changed");
        view = next;
        viewSince = now;
        votes.installed(next);
        if (next.primary().equals(id)) {
            synced = true;
            syncedView = next.number();
            for (String backup : next.backups()) {
                // Counted only after its state transfer, which waits for it to announce its incarnation (the
                // planted bug counts it at once, and later sends it an empty state).
                appliedBy.put(backup, config.has(Bug.COUNT_BEFORE_STATE_TRANSFER) ? applied : -1L);
            }
        } else {
            synced = false; // a backup counts only after the new primary's state transfer
            if (next.backups().contains(id)) {
                send(next.primary(), new Ack(next.number(), -1, incarnation));
            }
        }
    }

    /** Leaving a role: nothing still waiting is acknowledged. */
    private void abandonRole(String why) {
        for (Entry e : unconfirmed.values()) {
            if (!e.answered) {
                answer(e, Result.unavailable(why));
            }
        }
        unconfirmed.clear();
        unconfirmedById.clear();
        appliedBy.clear();
        incarnationOf.clear();
        ahead.clear();
        for (Map.Entry<RequestId, Forwarded> f : forwarded.entrySet()) {
            for (String requester : f.getValue().requesters) {
                send(requester, new ClientReply(f.getKey(), Result.unavailable(why)));
            }
        }
        forwarded.clear();
    }

    // ---- deciding views with a controller (docs/protocol.md, "The controller") -----------------------------

    /**
     * A node that promises a ballot above its view's number stops serving that view at once (it neither answers
     * clients nor acknowledges replication in it). What it holds is then final for that view, which is what lets
     * the controller pick the next primary from the promises it gathered.
     */
    private void onPrepare(String controller, Prepare p) {
        if (votes.prepare(p.ballot())) {
            fenceIfPromisedAbove();
            send(controller, new Promise(p.ballot(), state()));
        } else {
            send(controller, new Refused(p.ballot(), state()));
        }
    }

    private void onAccept(String controller, Accept a) {
        if (votes.accept(a.ballot(), a.view(), a.restoreIncarnation(), incarnation)) {
            fenceIfPromisedAbove();
            send(controller, new Accepted(a.ballot(), state()));
        } else {
            send(controller, new Refused(a.ballot(), state()));
        }
    }

    private void fenceIfPromisedAbove() {
        if (fenced()) {
            abandonRole("a view change is in progress");
        }
    }

    /** Promised a ballot above the installed view: that view is over for this node. */
    private boolean fenced() {
        return votes.promisedNumber() > (view == null ? 0 : view.number());
    }

    /** What this node tells a controller. */
    public NodeState state() {
        return new NodeState(incarnation, view, synced, syncedView, mayLead(), votes.voter(), votes.promised(),
                votes.accepted(), fenced(), laggingBackups());
    }

    /**
     * As the serving primary: the backups that hold up acknowledgements, so that a controller can drop them even
     * when it can reach them itself (a partition between primary and backup). A backup lags if it has not
     * applied an operation older than the replication timeout, or has not taken its state transfer that long
     * after the view began.
     */
    private List<String> laggingBackups() {
        if (!isPrimary() || fenced()) {
            return List.of();
        }
        Entry oldest = unconfirmed.isEmpty() ? null : unconfirmed.firstEntry().getValue();
        List<String> lagging = new ArrayList<>();
        for (Map.Entry<String, Long> b : appliedBy.entrySet()) {
            boolean late = b.getValue() < 0 ? now - viewSince > config.replicationTimeoutTicks()
                    : oldest != null && b.getValue() < oldest.seq
                    && now - oldest.created > config.replicationTimeoutTicks();
            if (late) {
                lagging.add(b.getKey());
            }
        }
        return lagging;
    }

    // ---- the state machine of the data -----------------------------------------------------------------------

    private Result apply(Command c) {
        return switch (c.kind()) {
            case GET -> {
                String v = data.get(c.key());
                yield v == null ? new Result(Result.Status.NOT_FOUND, null, null, 0, null)
                        : new Result(Result.Status.OK, v, null, 0, null);
            }
            case GET_ALL -> new Result(Result.Status.OK, null, java.util.Collections.unmodifiableMap(
                    new TreeMap<>(data)), 0, null);
            case PUT -> new Result(data.put(c.key(), c.value()) == null ? Result.Status.OK : Result.Status.UPDATED,
                    null, null, 0, null);
            case DELETE -> new Result(data.remove(c.key()) == null ? Result.Status.NOT_FOUND : Result.Status.OK,
                    null, null, 0, null);
            case CAS -> {
                String current = data.get(c.key());
                if (Objects.equals(current, c.expected())) {
                    data.put(c.key(), c.value());
                    yield new Result(Result.Status.OK, null, null, 0, null);
                }
                yield new Result(Result.Status.CAS_MISMATCH, current, null, 0, null);
            }
        };
    }

    private void answer(Entry e, Result result) {
        e.answered = true;
        for (String to : e.replyTo) {
            send(to, new ClientReply(e.id, result));
        }
    }

    private void send(String to, Message m) {
        out.add(new Send(to, m));
    }

    private List<Send> drain() {
        List<Send> sends = out;
        out = new ArrayList<>();
        return sends;
    }

    // ---- what an operator (or a test) may ask ---------------------------------------------------------------

    public String id() {
        return id;
    }

    /** Which life of this node this is: larger after every restart (production: the start time). */
    public long incarnation() {
        return incarnation;
    }

    public View view() {
        return view;
    }

    public boolean isPrimary() {
        return view != null && view.primary().equals(id);
    }

    /** Whether this replica may lead a view: it was synced in one, or it founded the cluster. */
    public boolean mayLead() {
        return syncedView > 0 || founding;
    }

    /** Whether this replica holds the complete state of its current view. */
    public boolean isSynced() {
        return synced;
    }

    /** The last view number in which this replica was synced; the next primary must be synced in the latest. */
    public long syncedView() {
        return syncedView;
    }

    public long appliedSeq() {
        return applied;
    }

    /** As the primary: the backups of the view that do not count yet (not announced, or state not applied). */
    public List<String> backupsAwaitingState() {
        if (!isPrimary()) {
            return List.of();
        }
        return appliedBy.entrySet().stream().filter(e -> e.getValue() < 0).map(Map.Entry::getKey).toList();
    }

    public Map<String, String> data() {
        return java.util.Collections.unmodifiableMap(new TreeMap<>(data));
    }
}
