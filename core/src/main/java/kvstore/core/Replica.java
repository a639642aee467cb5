package kvstore.core;

import kvstore.core.Message.Accept;
import kvstore.core.Message.FoundingAnswer;
import kvstore.core.Message.FoundingQuery;
import kvstore.core.Message.PassOn;
import kvstore.core.Message.UnnumberedView;
import kvstore.core.Message.ViewReply;
import kvstore.core.Message.Accepted;
import kvstore.core.Message.Ack;
import kvstore.core.Message.ClientReply;
import kvstore.core.Message.ClientRequest;
import kvstore.core.Message.Heartbeat;
import kvstore.core.Message.NewView;
import kvstore.core.Message.Prepare;
import kvstore.core.Message.Probe;
import kvstore.core.Message.Promise;
import kvstore.core.Message.Refused;
import kvstore.core.Message.Replicate;
import kvstore.core.Message.CatchUp;
import kvstore.core.Message.CatchUpAck;
import kvstore.core.Message.Status;
import kvstore.core.Message.Unreachable;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
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
public final class Replica implements Process {
    private final String id;
    private final long incarnation; // grows with every restart of this node: tells its lives apart
    private final ReplicaConfig config;
    private boolean founding; // of a new cluster: may lead while it holds nothing
    private final boolean asksWhetherNew; // see #asking
    private FoundingQuestion asked;        // the view waiting for the other members' answers (null: none)
    private boolean numberedByNodes;       // the view held was numbered by members (an operator's, epoch-less)
    private final Set<String> answeredInView = new HashSet<>(); // as primary: backups heard under this number

    private final ViewVotes votes; // this node's vote on views, for controllers
    private View view;
    private long viewSince;       // the tick the current view was installed
    private boolean synced;       // holds the complete state of the current view
    private long syncedView;      // the last view number in which this replica was synced (0: never)
    private TreeMap<String, String> data = new TreeMap<>();
    private long dataDigest;      // of data, kept with every change: see stateDigest()
    private long storeBytes;      // of data, as Sizes counts them, kept with every change
    private long storeQuota = Long.MAX_VALUE; // a write that would take storeBytes past it is refused (STORE_FULL)
    private ResultTable done;        // the result of each recent write, for retries
    private final RecentLog log;     // the most recent operations applied, to catch backups up by log suffix
    private long applied;         // the last sequence number applied
    private long now;             // ticks seen
    private Ack lastAck;          // the last acknowledgement sent to a primary, at tick lastAckAt
    private long lastAckAt;

    // As a backup: replication messages that arrived ahead of a gap.
    private final TreeMap<Long, Replicate> ahead = new TreeMap<>();
    // As a backup: the catch-up under way (null: none), and the newest one begun in this view (its primary's life,
    // its number).
    private CatchUpReceipt receiving;
    private long newestTransferLife;
    private long newestTransfer;
    // As a backup: the primary's chain (its incarnation, the view its log began in) that this node's log belongs
    // to, from the state transfer and heartbeats while synced; null when unknown. A renumbering keeps the log only
    // if it is set.
    private ChainId syncedChain;
    private boolean keptLog;      // holds the log it had before a renumbering, not yet confirmed by the primary

    // As the primary: the view this log began in (later views up to the current one only renumbered it, R7).
    private long chainStart;
    // The chains the state this node holds comes from, its own chain last once it leads and has claimed the view
    // (V2a); empty while it holds nothing.
    private List<ChainId> lineage = List.of();
    private boolean claimed;          // as the primary: no backup holds a newer state than ours, so we may serve
    private String newerStateAt;      // as the primary: the backup whose newer state we are taking (null: none)
    private long stateRequestedAt;    // and when we last asked it for its state
    private int stateBackoff = 1;     // the next request waits this many times the first wait
    private long offeredAt;           // as a backup: when it last offered its state (V2a)
    private long offerGap;            // and how long it waits before it offers again (0: no wait)
    private List<ChainId> newerLineage = List.of();

    // As the primary: operations not yet applied by every backup, and how far each backup has applied.
    private final TreeMap<Long, Entry> unconfirmed = new TreeMap<>();
    private final Map<RequestId, Entry> unconfirmedById = new HashMap<>();
    private final Map<String, Long> appliedBy = new LinkedHashMap<>(); // -1: waiting for state transfer
    private final Map<String, Long> incarnationOf = new HashMap<>();    // each backup's incarnation, as announced
    private final Map<String, Long> lastHeard = new HashMap<>();        // tick of each backup's last answer
    private final Map<String, Long> countedIn = new HashMap<>(); // the view of the last ack counted from each backup
    private final Set<String> unreachable = new HashSet<>();           // the transport could not reach it since
    private final Map<String, CatchUpStream> streams = new HashMap<>(); // backups being caught up
    private final Map<String, HeldState> heldBy = new HashMap<>();      // the state each backup last said it holds
    private final Map<String, Long> waitingSince = new HashMap<>();     // when a backup began to need the state
    private long transfers;                                             // catch-ups begun in this life
    private long waitingGetAllKeys;                                     // keys in the copies unconfirmed reads hold
    private final java.util.ArrayDeque<CatchUpProgress> caughtUp = new java.util.ArrayDeque<>(); // the last few
    private final List<Held> held = new ArrayList<>(); // not ordered yet: waiting for every backup to answer once

    // As any member: requests forwarded to the primary, by id, with who asked.
    private final Map<RequestId, Forwarded> forwarded = new LinkedHashMap<>(); // ordered: replies go out in order
    // As a backup: the store as it was at a whole-store read this node forwarded, taken when the read was replicated
    // here, so the primary need not send the store back (see onReplyFromPrimary). By position too: a request
    // forwarded twice (a duplicate) may be ordered twice, and the primary answers either.
    private final Map<RequestId, Map<Long, Result>> storeAtForwardedRead = new HashMap<>();

    private List<Send> out = new ArrayList<>();

    // Durability (docs/protocol.md, "Durability"): off until keepOnDisk.
    private Address.Disk disk;                // this node's disk (null: it keeps nothing)
    private int snapshotEvery;                // a snapshot after this many operations logged
    private long loggedSinceSnapshot;
    private long recorded;                    // records sent to the disk in this life
    private long persisted;                   // of which the disk has said are durable
    private long durablePosition;             // the state that is durable: its position, and its chain (null:
    private ChainId durableChain;             // none known)
    private long durableSyncedView;           // and the view it was last synced in, as the disk holds it
    private Message.Remembered remembered;    // the facts last sent to the disk
    private final List<Message> toDisk = new ArrayList<>();
    private final java.util.ArrayDeque<Recorded> recordedState = new java.util.ArrayDeque<>();
    private final java.util.ArrayDeque<Waiting> waitingForDisk = new java.util.ArrayDeque<>();
    private final List<Send> released = new ArrayList<>();

    /** A send that says something of this node's state: it leaves once the first {@code records} are durable. */
    private record Waiting(long records, Send send) {
    }

    /** Once the first {@code records} are durable, so is the state of this chain at this position. */
    private record Recorded(long records, long position, ChainId chain, long syncedView) {
    }

    private static final class Entry {
        final long seq;
        final RequestId id;
        final Command command;
        final Result result;
        final List<Address> replyTo = new ArrayList<>(1);
        // Who asked again after the operation was ordered: a backup among them kept no store at its position (R3a)
        final java.util.Set<Address> joinedLater = new java.util.HashSet<>(1);
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

    private record Forwarded(List<Address> requesters, long deadline, boolean wholeStore) {
    }

    /** A state as a backup describes it: of this chain (null: none known), at this position. */
    private record HeldState(ChainId chain, long seq) {
    }

    /** A request the primary has not ordered: it orders nothing until every backup has answered in the view. */
    private record Held(Address from, ClientRequest request) {
    }

    /** A view that makes this node primary, waiting to learn whether the cluster is new (see #asking). */
    private record FoundingQuestion(Address requester, View view, boolean unnumbered, Set<String> waitingFor,
                                    long deadline) {
    }

    /** The value {@link #appliedBy} holds for a backup that kept its log across a renumbering, until confirmed. */
    private static final long KEPT_LOG = -2;
    private static final int HELD_LIMIT = 10_000;

    /**
     * A replica that joins an existing cluster, or restarts after a crash with its memory lost: it never leads a
     * view until it has been synced in one, because it may lack acknowledged writes.
     */
    public Replica(String id, long incarnation, ReplicaConfig config) {
        this(id, incarnation, config, false, false);
    }

    private Replica(String id, long incarnation, ReplicaConfig config, boolean founding, boolean asksWhetherNew) {
        if (incarnation <= 0) {
            throw new IllegalArgumentException("an incarnation is a positive number that grows with each restart");
        }
        this.id = Objects.requireNonNull(id);
        this.incarnation = incarnation;
        this.config = config;
        this.founding = founding;
        this.asksWhetherNew = asksWhetherNew;
        this.votes = new ViewVotes(founding); // only a founding node cannot have forgotten a promise
        this.done = new ResultTable(config.resultsKept(), config.resultHorizonTicks());
        this.log = new RecentLog(config.logKept());
    }

    /**
     * A replica that was not told whether it founds a new cluster or joins one (the prototype's nodes start so):
     * when a view makes it primary before it ever held the cluster's state, it asks the view's other members, and
     * leads while empty only if every one answers that it never held the state either (docs/protocol.md, V2).
     */
    public static Replica asking(String id, long incarnation, ReplicaConfig config) {
        return new Replica(id, incarnation, config, false, true);
    }

    /**
     * A replica of a brand-new cluster, which may lead with an empty state because nothing has been written yet.
     * Only the process that creates the cluster knows this; a view message cannot tell it (a restarted node may
     * receive the cluster's first view late, and must not start leading an empty store then).
     */
    public static Replica founding(String id, long incarnation, ReplicaConfig config) {
        return new Replica(id, incarnation, config, true, false);
    }

    /**
     * A cluster founded from an existing data set (a restore, or a simulated run that starts with a large store):
     * every founding member loads the same data before it takes any view. A node that restarts later comes back
     * empty, as always, and receives the state from its primary.
     */
    public void load(Map<String, String> initial) {
        if (view != null || applied != 0 || !data.isEmpty()) {
            throw new IllegalStateException("data is loaded only into a node that holds nothing and has no view yet");
        }
        data.putAll(initial);
        dataReplaced();
        snapshot(true);
    }

    /**
     * Keeps this node's state on its disk ({@link Address.Disk}, named after the node): every operation applied and
     * every fact it must not forget (its vote, where it was synced, the chains its state comes from) is sent there
     * as a record, a snapshot every {@code snapshotEvery} operations or when the state is replaced whole, and
     * nothing this node says about its state leaves before the records behind it are durable (the disk answers
     * {@link Message.Persisted}). Called once, before the first message.
     */
    public Replica keepOnDisk(int snapshotEvery) {
        if (snapshotEvery < 1) {
            throw new IllegalArgumentException("a snapshot every " + snapshotEvery + " operations");
        }
        if (now != 0 || view != null) {
            throw new IllegalStateException("a node keeps its state on disk from its first message on");
        }
        this.disk = new Address.Disk(id);
        this.snapshotEvery = snapshotEvery;
        return this;
    }

    /**
     * Rebuilds the state an earlier life of this node left on its disk: the snapshot, then each record after it in
     * order (what the store proved; see {@link kvstore.core.storage.ReplicaStore}). The node comes back with its data,
     * its vote and where it was synced, in no view: a controller or an operator gives it one.
     */
    public void recover(Message.Snapshot snapshot, List<Message> records) {
        if (disk == null || now != 0 || view != null || applied != 0 || !data.isEmpty()) {
            throw new IllegalStateException("only a new life that keeps its state on disk recovers, before anything");
        }
        Message.Remembered facts = null;
        if (snapshot != null) {
            data = new TreeMap<>(snapshot.data());
            done.recordAll(snapshot.done(), now);
            applied = snapshot.applied();
            facts = snapshot.remembered();
            lineage = facts.lineage();
        }
        log.reset(heldChain(), applied);
        for (Message m : records) {
            switch (m) {
                case Message.Logged l -> replay(l.op());
                case Message.Remembered r -> {
                    facts = r;
                    lineage = r.lineage();
                }
                default -> throw new IllegalArgumentException("not a record of a replica's log: " + m);
            }
        }
        dataReplaced();
        if (facts != null) {
            syncedView = facts.syncedView();
            founding = facts.founding(); // how this life was started counts only for a node with nothing on disk
            if (config.has(Bug.FORGET_VOTE_ON_RESTART)) {
                votes.restore(facts.voter(), null, null); // the planted bug: a voter that forgot its promises
            } else {
                votes.restore(facts.voter(), facts.promised(), facts.accepted());
            }
        }
        durablePosition = applied;
        durableChain = heldChain();
        durableSyncedView = syncedView;
        remembered = remembered();
    }

    /** One operation of the log, applied again as it was the first time. */
    private void replay(LoggedOp op) {
        if (op.seq() != applied + 1) {
            throw new kvstore.core.storage.CorruptStorage("the log", 0, "operation " + op.seq() + " follows "
                    + "position " + applied);
        }
        Result result = op.command().isRead() ? null : apply(op.command()); // a read changes nothing
        if (op.result() != null && result != null && result.status() != op.result().status()) {
            throw new kvstore.core.storage.CorruptStorage("the log", 0, "operation " + op.seq() + " gives "
                    + result.status() + " again, " + op.result().status() + " the first time");
        }
        applied = op.seq();
        if (op.result() != null) {
            done.record(op.id(), op.result(), now);
        }
        if (!op.chain().equals(log.lastChain())) {
            log.chainBegins(op.chain()); // as its primary's log did: the state before it is the chain's start
        }
        log.append(op);
        if (!op.chain().equals(heldChain())) {
            // Its facts were to follow in a record the crash cut off: the state is of the operation's chain now.
            lineage = lineageOf(op.chain(), lineage);
        }
    }

    // ---- inputs -------------------------------------------------------------------------------------------

    /**
     * Handles one message from {@code from}; returns what to send. What only a node of the cluster sends (replication,
     * catch-up, heartbeats, pass-ons) is taken only from a node.
     */
    @Override
    public List<Send> onMessage(Address from, Message message) {
        switch (message) {
            case ClientRequest r -> onClientRequest(from, r);
            case ClientReply r -> onReplyFromPrimary(r);
            case NewView v -> onNumberedView(from, v);
            case UnnumberedView u -> onUnnumberedView(from, u);
            case FoundingQuery q -> send(from, new FoundingAnswer(syncedView));
            case Probe p -> send(from, new Status(p.sentAt(), state()));
            case Prepare p -> onPrepare(from, p);
            case Accept a -> onAccept(from, a);
            case ViewReply r -> { } // answers meant for an operator or a controller
            case Message.Status s -> { }
            case Promise p -> { }
            case Accepted a -> { }
            case Refused r -> { }
            case Message.Persisted p -> {
                if (from.equals(disk)) {
                    onPersisted(p.upTo());
                }
            }
            default -> {
                if (from instanceof Address.Node node) {
                    onPeerMessage(node.name(), message);
                }
            }
        }
        return drain();
    }

    private void onPeerMessage(String from, Message message) {
        switch (message) {
            case Replicate r -> onReplicate(from, r);
            case Ack a -> onAck(from, a);
            case CatchUp c -> onCatchUp(from, c);
            case CatchUpAck a -> onCatchUpAck(from, a);
            case PassOn p -> onPassOn(from, p);
            case Message.StateRequest r -> onStateRequest(from, r);
            case Message.StateOffer o -> onStateOffer(from, o);
            case FoundingAnswer a -> onFoundingAnswer(from, a);
            case Heartbeat h -> onHeartbeat(from, h);
            case Unreachable u -> onUnreachable(from);
            default -> { } // handled by onMessage
        }
    }

    /** One tick of time: retransmits, and gives up on what waited too long. */
    @Override
    public List<Send> onTick() {
        now++;
        giveUpAskingIfLate();
        if (view != null && view.backups().contains(id) && !synced && !fenced()
                && now % config.retransmitTicks() == 0) {
            send(view.primary(), announcement()); // still waiting for the state, or for its log to be confirmed
        }
        if (isPrimary() && !fenced()) {
            if (now % config.retransmitTicks() == 0) {
                retransmit();
                heartbeat();
                passOnToLaggards();
                if (newerStateAt != null && now - stateRequestedAt >= 4L * config.retransmitTicks() * stateBackoff) {
                    // Lost, or not answered yet: asked again, less and less often, since each answer is a copy of
                    // the whole state that may still be on its way.
                    send(newerStateAt, new Message.StateRequest(view.number()));
                    stateRequestedAt = now;
                    stateBackoff = Math.min(stateBackoff * 2, 64);
                }
            }
            for (Entry e : unconfirmed.values()) {
                if (!e.answered && e.deadline <= now) {
                    answer(e, Result.unavailable(Result.NOT_CONFIRMED_IN_TIME));
                }
            }
            admitHeld();
        }
        Iterator<Map.Entry<RequestId, Forwarded>> it = forwarded.entrySet().iterator();
        while (it.hasNext()) {
            Map.Entry<RequestId, Forwarded> f = it.next();
            if (f.getValue().deadline <= now) {
                for (Address requester : f.getValue().requesters) {
                    send(requester, new ClientReply(f.getKey(), Result.unavailable(Result.PRIMARY_DID_NOT_ANSWER)));
                }
                storeAtForwardedRead.remove(f.getKey());
                it.remove();
            }
        }
        return drain();
    }

    // ---- clients ------------------------------------------------------------------------------------------

    private void onClientRequest(Address from, ClientRequest request) {
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
            forwarded.computeIfAbsent(request.id(), k -> new Forwarded(new ArrayList<>(1),
                    now + config.forwardTimeoutTicks(), request.command().kind() == Command.Kind.GET_ALL))
                    .requesters.add(from);
            send(view.primary(), new ClientRequest(request.id(), request.command(), true));
            return;
        }
        if (!config.has(Bug.NO_IDEMPOTENCY) && joinedEarlierAttempt(from, request)) {
            return;
        }
        if (request.command().isRead() && config.has(Bug.LOCAL_READS)) {
            // The planted bug: answered from this node's own state, asking no backup whether it still leads.
            send(from, new ClientReply(request.id(), apply(request.command()).withSeq(applied)));
            return;
        }
        if (request.command().kind() == Command.Kind.GET_ALL && waitingGetAllKeys > 0
                && waitingGetAllKeys + data.size() > ReplicaConfig.WAITING_GET_ALL_KEYS) {
            send(from, new ClientReply(request.id(), refusal(request, "too many whole-store reads are waiting for "
                    + "the backups: read keys one by one, or retry shortly")));
            return;
        }
        String down = unreachableBackup();
        if (down != null && config.has(Bug.ORDER_WHILE_BACKUP_UNREACHABLE)) {
            order(from, request, down);
            return;
        }
        if (down != null) {
            send(from, new ClientReply(request.id(), refusal(request, "backup " + down + " is unreachable: nothing "
                    + "is ordered until it answers again or a view without it is installed")));
            return;
        }
        if (!everyBackupAnswered() || !claimed) {
            if (held.size() >= HELD_LIMIT) {
                send(from, new ClientReply(request.id(), refusal(request, "too many operations are waiting for "
                        + "the backups of view " + view.number() + " to answer")));
                return;
            }
            held.add(new Held(from, request)); // ordered once every backup has answered, refused if one cannot
            return;
        }
        if (wouldExceedQuota(request.command())) {
            send(from, new ClientReply(request.id(), refusal(request, Result.Status.FULL, "the store holds "
                    + storeBytes + " bytes; this write would take it past its quota of " + storeQuota + " bytes: "
                    + "delete keys (or raise the quota) first")));
            return;
        }
        order(from, request, null);
    }

    /**
     * Deduplication (R6): a retry of an operation still waiting joins it; a retry of one applied earlier gets its
     * recorded result, once every backup of this view holds it. Returns whether the request was taken care of.
     */
    private boolean joinedEarlierAttempt(Address from, ClientRequest request) {
        Entry waiting = unconfirmedById.get(request.id());
        if (waiting != null) {
            if (waiting.answered) {
                waiting.answered = false; // a retry: answer it when the operation is confirmed
                waiting.replyTo.clear();
                waiting.deadline = now + config.replicationTimeoutTicks();
            }
            waiting.replyTo.add(from);
            waiting.joinedLater.add(from);
            return true;
        }
        Result earlier = done.get(request.id());
        if (earlier == null) {
            return false;
        }
        if (earlier.seq() <= appliedEverywhere()) {
            send(from, new ClientReply(request.id(), earlier));
            return true;
        }
        // Applied before, in an earlier view, and never confirmed there: answer once every backup of this view
        // holds it too (the state transfer carries it).
        Entry wait = new Entry(earlier.seq(), request.id(), request.command(), earlier, now,
                now + config.replicationTimeoutTicks());
        wait.replyTo.add(from);
        unconfirmed.put(earlier.seq(), wait);
        unconfirmedById.put(request.id(), wait);
        return true;
    }

    /**
     * Gives the operation the next sequence number, applies it and replicates it (R1). {@code down} is only ever
     * non-null under the planted bug that orders while a backup is unreachable and then refuses as if it had not.
     */
    private void order(Address from, ClientRequest request, String down) {
        assert !unconfirmedById.containsKey(request.id()) && done.get(request.id()) == null
                : "node " + id + " orders request " + request.id() + " again, although its earlier attempt is in its log";
        long seq = ++applied;
        Result result = apply(request.command()).withSeq(seq);
        logApplied(new LoggedOp(seq, new ChainId(id, incarnation, chainStart), request.id(), request.command(),
                request.command().isRead() ? null : result));
        Entry entry = new Entry(seq, request.id(), request.command(), result, now,
                now + config.replicationTimeoutTicks());
        if (down != null) { // the planted bug: ordered, yet answered "certainly not applied"
            send(from, new ClientReply(request.id(), refusal(request, "backup " + down + " is unreachable")));
        } else {
            entry.replyTo.add(from);
        }
        unconfirmed.put(seq, entry);
        waitingGetAllKeys += keysHeld(entry);
        unconfirmedById.put(request.id(), entry);
        if (config.has(Bug.ACK_BEFORE_REPLICATION) && !request.command().isRead()) {
            answer(entry, result);
        }
        Replicate message = new Replicate(view.number(), seq, request.id(), request.command(), chainStart,
                incarnation);
        for (Map.Entry<String, Long> backup : appliedBy.entrySet()) {
            if (backup.getValue() >= 0) {
                send(backup.getKey(), message);
            }
        }
        pumpStreams(); // a backup catching up gets it in its next batch
        confirmApplied();
    }

    /** The keys of the store's copy an operation waiting for confirmation holds (a whole-store read's). */
    private static long keysHeld(Entry e) {
        return e.result.all() == null ? 0 : e.result.all().size();
    }

    /** Records an operation just applied: its result, for retries, and the operation, for catch-ups. */
    private void logApplied(LoggedOp op) {
        if (op.result() != null) {
            done.record(op.id(), op.result(), now);
        }
        log.append(op);
        if (disk != null) {
            toDisk.add(new Message.Logged(op));
            loggedSinceSnapshot++; // a snapshot is due at the end of the step, when the lineage is final too
        }
    }

    /**
     * A refusal before ordering: certainly not applied if the client asked this node directly. Not so for a
     * forwarded request: a duplicate of it may have reached a primary first.
     */
    private static Result refusal(ClientRequest request, String why) {
        return refusal(request, Result.Status.UNAVAILABLE, why);
    }

    /** A refusal of {@code status} (unavailable, or the store full), certain as {@link #refusal} says. */
    private static Result refusal(ClientRequest request, Result.Status status, String why) {
        return new Result(status, null, null, request.forwarded() ? 0 : Result.NOT_APPLIED, why);
    }

    /**
     * Orders what was held once every backup has answered, or refuses it (never ordered, so certainly not applied)
     * once one is known unreachable. Each goes through {@link #onClientRequest} again: a duplicate held twice joins
     * the first.
     */
    private void admitHeld() {
        if (held.isEmpty() || unreachableBackup() == null && (!everyBackupAnswered() || !claimed)) {
            return;
        }
        List<Held> waiting = new ArrayList<>(held);
        held.clear();
        for (Held h : waiting) {
            onClientRequest(h.from(), h.request());
        }
    }

    /**
     * Whether every backup has answered under the view's current number: after a renumbering, a backup still on
     * the old number would drop what is replicated under the new one, so operations wait (held, unordered) for it.
     */
    private boolean everyBackupAnswered() {
        return answeredInView.containsAll(view.backups());
    }

    /**
     * A backup known to be unreachable now (null: none): the transport could not reach it since it last answered,
     * or it has been silent for the failure-detection time. The primary orders nothing then: an operation could
     * only end without an acknowledgement, and "refused" must mean "did not happen".
     */
    private String unreachableBackup() {
        for (String b : view.backups()) {
            if (isUnreachable(b)) {
                return b;
            }
        }
        return null;
    }

    private boolean isUnreachable(String backup) {
        return unreachable.contains(backup) || isSilent(backup);
    }

    /** Not heard from for the failure-detection time (since the view began, if never). */
    private boolean isSilent(String backup) {
        return now - lastHeard.getOrDefault(backup, viewSince) > config.failureDetectionTicks();
    }

    private void onUnreachable(String node) {
        if (isPrimary() && view.backups().contains(node) && unreachable.add(node)) {
            admitHeld(); // what waited for it is refused at once
        }
    }

    /**
     * The primary's answer to a request this node forwarded, passed on to whoever asked. The answer to a whole-store
     * read comes without the store when this node had acknowledged the read's position (R3a, see {@link #answer}):
     * the store as this node applied it there, kept when the read was applied here, is the same as the primary's,
     * and is the answer. Should this node not have kept it (the forward had timed out and a retry forwarded it
     * anew, or its state came whole past that position), it asks again, still waiting: a read changes nothing, and
     * the one ordered now is kept here as it is applied.
     */
    private void onReplyFromPrimary(ClientReply reply) {
        Forwarded f = forwarded.get(reply.id());
        if (f == null) {
            storeAtForwardedRead.remove(reply.id());
            return;
        }
        ClientReply answer = reply;
        if (f.wholeStore && reply.result().status() == Result.Status.OK && reply.result().all() == null) {
            Map<Long, Result> kept = storeAtForwardedRead.get(reply.id());
            Result store = kept == null ? null : kept.get(reply.result().seq());
            if (store == null && view != null && !isPrimary()) {
                send(view.primary(), new ClientRequest(reply.id(), Command.getAll(), true));
                return;
            }
            answer = new ClientReply(reply.id(), store != null ? store : Result.unavailable("the primary answered "
                    + "with the store as this node held it at position " + reply.result().seq() + ", which it does "
                    + "not hold"));
        }
        forwarded.remove(reply.id());
        storeAtForwardedRead.remove(reply.id());
        for (Address requester : f.requesters) {
            send(requester, answer);
        }
    }

    // ---- replication ----------------------------------------------------------------------------------------

    private void onReplicate(String from, Replicate r) {
        boolean stale = view != null && r.view() < view.number();
        if (config.has(Bug.ACCEPT_STALE_VIEW) && stale) {
            // The planted bug: no fencing of an old primary.
            send(from, new Ack(r.view(), r.seq(), incarnation, r.chainStart(), r.primaryIncarnation(), false,
                    List.of(), 0));
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
            ahead.put(r.seq(), r); // state transfer first; keep it for after (if of the transfer's chain)
            return;
        }
        if (!ofSyncedChain(r)) {
            return; // a log the primary abandoned for a newer state (V2a), or one we do not hold
        }
        if (r.seq() > applied) {
            ahead.put(r.seq(), r);
            applyInOrder();
        }
        Ack ack = acknowledgement();
        if (disk == null || !ack.equals(lastAck) || now > lastAckAt) {
            // With a disk, the ack names what is durable (when that is of the synced chain), which replication
            // itself does not advance: the same ack again says only that this backup is there, and once a tick is
            // enough for that (the sync's ack brings the news; heartbeats are answered as before). Without this,
            // every replicated batch cost a second, empty ack.
            sendAck(from, ack);
        }
    }

    private void sendAck(String primary, Ack ack) {
        lastAck = ack;
        lastAckAt = now;
        send(primary, ack);
    }

    private void applyInOrder() {
        while (!ahead.isEmpty() && ahead.firstKey() <= applied + 1) {
            Replicate next = ahead.pollFirstEntry().getValue();
            if (next.seq() <= applied || !ofSyncedChain(next)) {
                continue; // a duplicate, or of a log we do not hold (the right one is sent again)
            }
            assert next.seq() == applied + 1 : "backup " + id + " at " + applied + " applies " + next.seq();
            Result result = next.command().isRead() ? null : apply(next.command()).withSeq(next.seq());
            keepStoreIfForwarded(next.id(), next.command(), next.seq());
            applied = next.seq();
            logApplied(new LoggedOp(next.seq(), syncedChain, next.id(), next.command(), result));
        }
    }

    /**
     * At a whole-store read this node forwarded, applied here at {@code seq} (replicated, or in a catch-up by
     * suffix): keeps the store as it is now, to answer with when the primary's answer names that position (R3a).
     */
    private void keepStoreIfForwarded(RequestId request, Command command, long seq) {
        if (command.kind() == Command.Kind.GET_ALL && forwarded.containsKey(request)) {
            storeAtForwardedRead.computeIfAbsent(request, k -> new HashMap<>(2))
                    .put(seq, apply(command).withSeq(seq));
        }
    }

    /** Whether an operation belongs to the log this backup's state is of (none known: only operations of none). */
    private boolean ofSyncedChain(Replicate r) {
        return syncedChain == null ? r.chainStart() == 0 && r.primaryIncarnation() == 0
                : r.chainStart() == syncedChain.start() && r.primaryIncarnation() == syncedChain.incarnation();
    }

    private void onAck(String from, Ack ack) {
        if (isPrimary() && !fenced() && numberedByNodes && ack.view() < view.number() && appliedBy.containsKey(from)
                && !answeredInView.contains(from)) {
            // Our backup holds the view under an older number (it restarted and numbered it anew, or missed the
            // pass-on): tell it ours now, not a pass-on round later, or it stays silent in ours and is refused as
            // unreachable meanwhile (the mirror of a backup's answer to its primary's heartbeat). Not once it has
            // answered under ours: acknowledgements still in flight from before would each ask again.
            send(from, new PassOn(view));
        }
        if (!isPrimary() || fenced() || ack.view() != view.number() || !appliedBy.containsKey(from)) {
            return; // an acknowledgement from another view, or from a node that is not our backup
        }
        Long known = incarnationOf.get(from);
        if (known != null && ack.incarnation() < known) {
            return; // from a life of that node that has ended: what it had applied is gone
        }
        heardFrom(from);
        if (ack.seq() < 0 && (known == null || ack.incarnation() >= known)) {
            heldBy.put(from, new HeldState(ack.lineage().isEmpty() ? null : ack.lineage().getLast(), ack.held()));
        }
        if (from.equals(newerStateAt) && known != null && ack.incarnation() > known) {
            newerStateAt = null; // it restarted: the newer state it held is gone with its earlier life
            newerLineage = List.of();
        }
        if (known == null || ack.incarnation() > known) {
            // A backup we hear from for the first time in this life: it counts only after the state transfer,
            // or once it has confirmed that the log it kept across a renumbering is ours (R7).
            incarnationOf.put(from, ack.incarnation());
            if (config.has(Bug.COUNT_BEFORE_STATE_TRANSFER)) {
                // The planted bug: counted already, it is sent an empty state as if it were all there is.
                send(from, new CatchUp(view.number(), ack.incarnation(), incarnation, ++transfers, 0, applied, true,
                        null, List.of(), Map.of(), Map.of(), true, true,
                        ChainId.extend(lineage, new ChainId(id, incarnation, chainStart))));
            } else if (ack.keptLog()) {
                appliedBy.put(from, KEPT_LOG);
                send(from, heartbeatMessage());
            } else if (known != null) {
                appliedBy.put(from, -1L); // what its earlier life applied is gone (and says nothing of this one)
                // A member restarted: its earlier life, and what it held, are gone. The log it joins is a new chain,
                // so that a state another node took from the old one (and went on with) is never mistaken for one
                // that descends from what is acknowledged from now on (V2a: a chain's members, by life, are fixed).
                beginNewChain();
            } else {
                needsState(from);
            }
        } else if (ack.seq() >= 0 && (ack.chainStart() != chainStart || ack.primaryIncarnation() != incarnation)) {
            return; // applied in a log this primary abandoned for a newer state (V2a): it says nothing now
        } else if (ack.seq() >= 0) {
            appliedBy.put(from, Math.max(appliedBy.get(from), ack.seq()));
            countedIn.put(from, ack.view());
        } else if (ack.keptLog() && appliedBy.get(from) == KEPT_LOG) {
            send(from, heartbeatMessage()); // it renumbered again: let it confirm at once
        } else if (!ack.keptLog() && (appliedBy.get(from) == KEPT_LOG
                || appliedBy.get(from) >= 0 && countedIn.getOrDefault(from, 0L) < ack.view())) {
            // Its log was not ours after all, or it lost it in a renumbering since we counted it: it needs the state.
            // (An older request for the state, overtaken by the transfer it asked for, names the view counted in.)
            needsState(from);
        }
        if (ack.seq() < 0 && !claimed && ChainId.descendsStrictly(ack.lineage(), lineage)
                && ack.lineage().size() > newerLineage.size()) {
            newerStateAt = from; // V2a: its state was taken from ours and went on: take it before serving
            stateRequestedAt = now;
            stateBackoff = 1;
            newerLineage = ack.lineage();
            send(from, new Message.StateRequest(view.number()));
        }
        tryClaim();
        confirmApplied();
        admitHeld();
    }

    /**
     * V2a: once every backup has answered in the view and none holds a newer state than this primary's, the primary
     * may serve: it labels its state with its own chain, and gives it to its backups.
     */
    private void tryClaim() {
        if (claimed || newerStateAt != null || !everyBackupAnswered()) {
            return;
        }
        claimed = true;
        ChainId own = new ChainId(id, incarnation, chainStart);
        lineage = ChainId.extend(lineage, own);
        log.chainBegins(own);
        for (Map.Entry<String, Long> b : appliedBy.entrySet()) {
            if (b.getValue() == -1L && incarnationOf.containsKey(b.getKey())) {
                startCatchUp(b.getKey(), null);
            }
        }
    }

    /** A backup that does not count until it has caught up. */
    private void needsState(String backup) {
        appliedBy.put(backup, -1L);
        waitingSince.put(backup, now);
        startCatchUp(backup, null);
    }

    /**
     * Begins bringing a backup level with this primary, once this primary knows its state is the newest (V2a): by
     * the log's suffix if the backup holds a state the log passed through, in full otherwise. One stream per
     * backup: the backup asks again every few ticks while it waits, and a stream under way is not begun again.
     *
     * @param replaced the stream this one replaces because it fell behind the log (null: none), whose clock and
     *                 progress carry over
     */
    private void startCatchUp(String backup, CatchUpStream replaced) {
        if (!claimed || streams.containsKey(backup) || !incarnationOf.containsKey(backup)) {
            return;
        }
        HeldState held = heldBy.get(backup);
        boolean bySuffix = held != null && held.seq() <= applied && log.passedThrough(held.chain(), held.seq());
        CatchUpStream stream = new CatchUpStream(++transfers, incarnationOf.get(backup), !bySuffix,
                bySuffix ? held.seq() : applied, bySuffix ? held.chain() : null, now, replaced);
        streams.put(backup, stream);
        waitingSince.putIfAbsent(backup, now);
        pump(backup, stream);
    }

    private void pumpStreams() {
        for (Map.Entry<String, CatchUpStream> s : new ArrayList<>(streams.entrySet())) {
            pump(s.getKey(), s.getValue());
        }
    }

    private void pump(String backup, CatchUpStream stream) {
        List<CatchUp> batches = stream.next(new CatchUpStream.Source(view.number(), incarnation, log, applied, data,
                done, lineage), now);
        if (batches == null) { // it fell further behind than the log keeps: start again, in full
            CatchUpStream behind = streams.remove(backup);
            heldBy.remove(backup);
            startCatchUp(backup, behind); // which is no progress
            return;
        }
        for (CatchUp b : batches) {
            send(backup, b);
        }
    }

    /**
     * A backup took catch-up batches: progress. With the complete one, it holds this primary's state and counts;
     * with batch -1, it could not take the stream (it does not hold the state the stream starts from): a stream
     * from the state it names begins (by suffix if the log passed through it, in full otherwise).
     */
    private void onCatchUpAck(String from, CatchUpAck a) {
        CatchUpStream stream = streams.get(from);
        if (!isPrimary() || fenced() || a.view() != view.number() || stream == null || a.transfer() != stream.transfer
                || a.incarnation() != stream.backupIncarnation) {
            return;
        }
        heardFrom(from);
        if (a.batch() < 0) { // it does not hold the state the stream started from: it says which it holds
            streams.remove(from);
            heldBy.put(from, new HeldState(a.heldChain(), a.held()));
            startCatchUp(from, null);
            return;
        }
        CatchUp last = stream.acknowledged(a.batch(), now);
        if (last != null && last.complete()) {
            caughtUp.addLast(new CatchUpProgress(from, stream.full, stream.bytesAcked(), now - stream.startedAt()));
            if (caughtUp.size() > 4) {
                caughtUp.removeFirst();
            }
            streams.remove(from);
            waitingSince.remove(from);
            heldBy.remove(from);
            appliedBy.put(from, last.upTo());
            countedIn.put(from, view.number());
            for (Entry e : unconfirmed.tailMap(last.upTo(), false).values()) { // ordered after the last batch
                send(from, replicateOf(e));
            }
            confirmApplied();
            admitHeld();
        } else {
            pump(from, stream);
        }
    }

    /** As a backup: the state this node holds, for a primary that found it newer than its own (V2a). */
    private void onStateRequest(String from, Message.StateRequest r) {
        if (view != null && !isPrimary() && from.equals(view.primary()) && r.view() == view.number()
                && !lineage.isEmpty() && now - offeredAt >= offerGap) {
            // Each offer is a copy of the whole state, and a slow link may still be carrying the last ones: asked
            // again, it answers less and less often, until it is synced again.
            send(from, new Message.StateOffer(view.number(), applied, new TreeMap<>(data), done.all(), lineage));
            offeredAt = now;
            offerGap = offerGap == 0 ? 4L * config.retransmitTicks() : Math.min(offerGap * 2, 256L
                    * config.retransmitTicks());
        }
    }

    /**
     * V2a: takes a backup's newer state. What this primary had ordered in its older state is abandoned (it never
     * was acknowledged: a newer chain exists, so its own could not get every acknowledgement since), and a new
     * chain begins, which every backup takes by state transfer.
     */
    private void onStateOffer(String from, Message.StateOffer o) {
        if (!isPrimary() || fenced() || !from.equals(newerStateAt) || o.view() != view.number()
                || !ChainId.descendsStrictly(o.lineage(), lineage)) {
            return;
        }
        abandonUnconfirmed("the view changed");
        data = new TreeMap<>(o.data());
        dataReplaced();
        done.clear();
        done.recordAll(o.done(), now);
        applied = o.seq();
        lineage = o.lineage();
        log.reset(lineage.getLast(), applied);
        snapshot(true);
        newerStateAt = null;
        newerLineage = List.of();
        beginNewChain();
        admitHeld();
    }

    /**
     * Begins a new log under the same view, named anew: every backup takes this primary's state again, and counts
     * only by acknowledgements that name the new chain. What was ordered and not yet confirmed is in that state.
     */
    private void beginNewChain() {
        ChainId previous = lineage.isEmpty() ? null : lineage.getLast();
        for (Map.Entry<String, Long> b : appliedBy.entrySet()) {
            if (b.getValue() >= 0 && previous != null && previous.equals(new ChainId(id, incarnation, chainStart))) {
                heldBy.put(b.getKey(), new HeldState(previous, b.getValue())); // it may catch up by log suffix
            }
            if (b.getValue() != -1L) {
                waitingSince.put(b.getKey(), now);
            }
        }
        chainStart = Math.max(view.number(), chainStart + 1);
        answersNotYetDurable("the view changed");
        claimed = false;
        appliedBy.replaceAll((b, upTo) -> -1L);
        countedIn.clear();
        streams.clear();
        tryClaim();
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
            waitingGetAllKeys -= keysHeld(e);
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
                CatchUpStream stream = streams.get(backup.getKey());
                if (stream != null) {
                    for (CatchUp lost : stream.overdue(now, 4L * config.retransmitTicks(),
                            config.failureDetectionTicks())) {
                        send(backup.getKey(), lost);
                    }
                } else if (upTo != KEPT_LOG) {
                    startCatchUp(backup.getKey(), null);
                }
                continue;
            }
            int budget = 64;
            for (Entry e : unconfirmed.tailMap(upTo, false).values()) {
                if (budget-- == 0) {
                    break;
                }
                send(backup.getKey(), replicateOf(e));
            }
        }
    }

    /** An operation of this primary's log, as it is sent (again) to a backup. */
    private Replicate replicateOf(Entry e) {
        return new Replicate(view.number(), e.seq, e.id, e.command, chainStart, incarnation);
    }

    /**
     * A pass-on is best effort: a backup that missed it stays on the old number of the same view and never
     * answers under the new one. So the primary passes its number on again to every backup not heard from under it,
     * or not heard from lately.
     */
    private void passOnToLaggards() {
        if (!numberedByNodes) {
            return;
        }
        for (String backup : view.backups()) {
            // Also one not heard from lately: it may have restarted and numbered the view anew, and its answers
            // under another number do not reach us (the simulator found one left out for good this way).
            if (!answeredInView.contains(backup)
                    || now - lastHeard.getOrDefault(backup, viewSince) > 2L * config.retransmitTicks()) {
                send(backup, new PassOn(view));
            }
        }
    }

    /** Tells every backup this primary is here, and learns from their answers that they are (see Heartbeat). */
    private void heartbeat() {
        for (String backup : view.backups()) {
            send(backup, heartbeatMessage());
        }
    }

    private Heartbeat heartbeatMessage() {
        return new Heartbeat(view.number(), chainStart, incarnation);
    }

    /**
     * As a backup, to the primary: synced, how far it has applied; with a log kept across a renumbering, a request
     * to confirm it; otherwise, a request for the state.
     */
    private Ack announcement() {
        if (synced) {
            return acknowledgement();
        }
        return new Ack(view.number(), -1, incarnation, 0, 0, keptLog, lineage, applied);
    }

    /**
     * As a synced backup: how far it has applied its primary's log; with a disk, how far that is durable (an
     * acknowledgement counts toward an answer only for what a crash cannot take back), so that it can go at once,
     * and tells the primary this backup is there even while its disk is slow.
     */
    private Ack acknowledgement() {
        long upTo = disk != null && Objects.equals(durableChain, syncedChain) && !config.has(Bug.ACK_BEFORE_FSYNC)
                ? Math.min(applied, durablePosition) : applied;
        return new Ack(view.number(), upTo, incarnation, syncedChain == null ? 0 : syncedChain.start(),
                syncedChain == null ? 0 : syncedChain.incarnation(), false, List.of(), 0);
    }

    private void onHeartbeat(String from, Heartbeat h) {
        if (view != null && !isPrimary() && from.equals(view.primary()) && h.view() < view.number()
                && numberedByNodes) {
            send(from, new PassOn(view)); // our primary missed the number we hold the view under
        }
        if (view == null || isPrimary() || fenced() || h.view() != view.number() || !from.equals(view.primary())) {
            return; // not our primary, or not our view: silence tells that primary we are not its backup
        }
        ChainId chain = new ChainId(from, h.primaryIncarnation(), h.chainStart());
        if (syncedChain != null && chain.precedes(syncedChain)) {
            return; // sent before the catch-up that brought us to the newer chain, and overtaken by it
        }
        if (keptLog) {
            keptLog = false;
            if (chain.equals(syncedChain)) {
                synced = true; // the primary's log ran on unbroken since ours was synced with it
                syncedView = view.number();
                applyInOrder();
            } else {
                ahead.clear(); // another log than ours: the state transfer comes next
            }
        }
        if (synced && syncedChain != null && !chain.equals(syncedChain)) {
            synced = false; // our primary's log is not the one we hold (another life of it leads this number)
            ahead.clear();
        } else if (synced) {
            syncedChain = chain;
        }
        send(from, announcement());
    }

    /**
     * As a backup: one batch of a catch-up from this view's primary (docs/protocol.md, "Catch-up"), applied in
     * order. Batch 0 of a newer transfer starts it: by suffix, only from the very state the primary expects (else
     * it refuses with batch -1, naming the state it holds); in full, into a separate copy, so that this node keeps
     * the complete state it holds (and may still lead with it, or offer it) until the new one is complete.
     */
    private void onCatchUp(String from, CatchUp c) {
        if (view == null || isPrimary() || fenced() || c.view() != view.number() || !from.equals(view.primary())
                || c.incarnation() != incarnation) {
            return; // not from this view's primary, or meant for an earlier life of this node
        }
        boolean newer = c.primaryIncarnation() > newestTransferLife
                || c.primaryIncarnation() == newestTransferLife && c.transfer() > newestTransfer;
        if (newer && c.batch() == 0) {
            if (!c.full() && (applied != c.from() || lineage.isEmpty() || !lineage.getLast().equals(c.expect()))) {
                send(from, new CatchUpAck(view.number(), incarnation, c.transfer(), -1, heldChain(), applied));
                return;
            }
            newestTransferLife = c.primaryIncarnation();
            newestTransfer = c.transfer();
            receiving = c.full() ? CatchUpReceipt.full(c, new ResultTable(config.resultsKept(),
                    config.resultHorizonTicks())) : CatchUpReceipt.bySuffix(c);
            synced = false;
            keptLog = false;
            syncedChain = null;
        }
        if (receiving == null && c.primaryIncarnation() == newestTransferLife && c.transfer() == newestTransfer) {
            // A batch of the transfer this node finished: its acknowledgement was lost, so the primary sent it again.
            send(from, new CatchUpAck(view.number(), incarnation, c.transfer(), c.batch(), null, 0));
            return;
        }
        if (receiving == null || !receiving.isOf(c)) {
            return; // of a transfer this node gave up for a newer one
        }
        receiving.offer(c);
        int upTo = receiving.applied();
        for (CatchUp next = receiving.takeNext(); next != null; next = receiving.takeNext()) {
            takeBatch(next);
            upTo = next.batch();
            if (next.complete()) {
                finishCatchUp(next);
                break;
            }
        }
        if (upTo >= 0) { // (-1 would be a refusal: nothing applied yet, batch 0 has not arrived)
            send(from, new CatchUpAck(view.number(), incarnation, c.transfer(), upTo, null, 0));
        }
    }

    /** The chain of the state this node holds (null: none known). */
    private ChainId heldChain() {
        return lineage.isEmpty() ? null : lineage.getLast();
    }

    /**
     * Applies one batch. By suffix: its operations, to this node's state. In full: its operations to the copy being
     * received, each only to keys whose state is there already (the pieces still to come include it), then its
     * piece of the state.
     */
    private void takeBatch(CatchUp c) {
        CatchUpReceipt r = receiving;
        for (LoggedOp op : c.ops()) {
            long at = r.full ? r.position() : applied;
            if (op.seq() != at + 1) {
                throw new IllegalStateException("node " + id + " at " + at + " was sent operation " + op.seq()
                        + " in batch " + c.batch() + " of transfer " + c.transfer());
            }
            Command command = op.command();
            if (!command.isRead() && r.holds(command.key())) {
                Result result = r.full ? apply(r.data(), command) : apply(command);
                if (op.result() != null && result.status() != op.result().status()) {
                    throw new IllegalStateException("node " + id + " applied operation " + op.seq() + " (" + command
                            + ") with result " + result.status() + ", its primary with " + op.result().status());
                }
            }
            if (r.full) {
                r.advance(op, now); // the copy being received is not whole yet: a read forwarded now is retried
            } else {
                keepStoreIfForwarded(op.id(), command, op.seq());
                applied = op.seq();
                logApplied(op);
                if (!op.chain().equals(heldChain())) {
                    lineage = lineageOf(op.chain(), r.primaryLineage); // its state is now of that chain
                }
            }
        }
        if (r.full) {
            r.take(c, now);
        }
    }

    /** The lineage of a state of {@code chain}: its ancestry as the primary knows it (the chain alone if unknown). */
    private static List<ChainId> lineageOf(ChainId chain, List<ChainId> primaryLineage) {
        int at = primaryLineage.indexOf(chain);
        return at >= 0 ? List.copyOf(primaryLineage.subList(0, at + 1)) : List.of(chain);
    }

    /** The complete batch: this node holds its primary's state, of the primary's chain, and counts from now on. */
    private void finishCatchUp(CatchUp c) {
        CatchUpReceipt r = receiving;
        receiving = null;
        lineage = c.lineage();
        ChainId chain = heldChain();
        if (r.full) {
            data = r.data();
            dataReplaced();
            done = r.results();
            applied = r.position();
            log.reset(chain, applied);
            snapshot(true);
        } else if (chain != null) {
            log.chainBegins(chain);
        }
        synced = true;
        syncedChain = chain;
        syncedView = view.number();
        offerGap = 0;
        ahead.headMap(applied, true).clear();
        applyInOrder(); // what was replicated meanwhile, of this chain (the rest is dropped)
    }

    // ---- views ----------------------------------------------------------------------------------------------

    /**
     * A view with its number, from an operator (who chose the number) or a controller ({@code decided}: a majority
     * accepted it). Answered with the view now held, or why not.
     */
    private void onNumberedView(Address from, NewView v) {
        if (view != null && v.view().equals(view)) {
            send(from, new ViewReply(view, null)); // the same view again: nothing changes
            return;
        }
        if (v.decided() && !votes.voter()) {
            send(from, new ViewReply(v.view(), "node " + id + " restarted and no controller has restored its vote "
                    + "yet: it takes a controller's view only after that"));
            return;
        }
        if (!v.decided() && mustAskWhetherNew(v.view())) {
            ask(from, v.view(), false);
            return;
        }
        answerInstall(from, v.view(), false);
    }

    /**
     * An operator's view without a number: the one held already (then passed on again, which heals a member that
     * missed the first pass-on), or a new one numbered past every number this node knows, installed, and passed on.
     */
    private void onUnnumberedView(Address from, UnnumberedView u) {
        if (view != null && !fenced() && view.hasMembers(u.primary(), u.backups(), 0)) {
            send(from, new ViewReply(view, null));
            passOn();
            return;
        }
        long number = state().highestNumber() + 1;
        if (number > View.MAX_NUMBER) {
            send(from, new ViewReply(view, "this node's epoch is at the largest a view may have (" + View.MAX_NUMBER
                    + "): send a view with an explicit epoch to start again"));
            return;
        }
        View next = new View(number, u.primary(), u.backups());
        if (mustAskWhetherNew(next)) {
            ask(from, next, true);
            return;
        }
        answerInstall(from, next, true);
    }

    private void answerInstall(Address requester, View next, boolean unnumbered) {
        String refusal = install(next);
        if (refusal == null && unnumbered) {
            numberedByNodes = true;
            passOn();
        }
        send(requester, new ViewReply(refusal == null ? view : next, refusal));
    }

    /** The number this node gave an operator's view, to every other member: they may only renumber with it. */
    private void passOn() {
        for (String member : view.members()) {
            if (!member.equals(id)) {
                send(member, new PassOn(view));
            }
        }
    }

    private void onPassOn(String from, PassOn p) {
        View next = p.view();
        if (view != null && next.number() < view.number() && numberedByNodes && !fenced() && view.isMember(from)
                && view.hasMembers(next.primary(), next.backups(), next.primaryIncarnation())) {
            // A member numbered our view lower (it restarted and installed it anew): it may only renumber upward,
            // so it takes ours. Until then it is silent under our number, and as our backup it would be refused as
            // unreachable, though it holds this very view: it is reachable, and what arrives waits for its answer
            // under our number (R2a) rather than being refused. Only while it has not answered under ours: then
            // nothing is ordered on the strength of this message, which may be a late one from a life now ended.
            send(from, new PassOn(view));
            if (isPrimary() && view.backups().contains(from) && !answeredInView.contains(from)) {
                lastHeard.put(from, now);
                unreachable.remove(from);
            }
            return;
        }
        if (view != null && next.number() > view.number() && next.number() <= View.MAX_NUMBER && renumbers(next)
                && votes.mayInstall(next)) {
            renumber(next);
            numberedByNodes = true;
        }
    }

    // ---- whether a new cluster may be founded (see #asking) ---------------------------------------------------

    private boolean mustAskWhetherNew(View next) {
        return asksWhetherNew && next.primary().equals(id) && !mayLead()
                && (view == null || next.number() > view.number());
    }

    private void ask(Address requester, View next, boolean unnumbered) {
        if (asked != null) {
            send(asked.requester(), new ViewReply(asked.view(), "superseded by a newer view document"));
        }
        Set<String> others = new HashSet<>(next.backups());
        asked = new FoundingQuestion(requester, next, unnumbered, others, now + config.forwardTimeoutTicks());
        if (others.isEmpty()) {
            concludeFounding();
            return;
        }
        for (String member : next.backups()) {
            send(member, new FoundingQuery());
        }
    }

    private void onFoundingAnswer(String from, FoundingAnswer a) {
        if (asked == null || !asked.waitingFor().contains(from)) {
            return;
        }
        if (a.syncedView() > 0) {
            FoundingQuestion q = asked;
            asked = null;
            send(q.requester(), new ViewReply(q.view(), "node " + id + " has never held the cluster's state (it "
                    + "restarted empty, or joined, and has not yet been a synced backup), and node " + from + " has "
                    + "(in epoch " + a.syncedView() + "): it cannot be the primary; promote a node that holds the "
                    + "data"));
            return;
        }
        asked.waitingFor().remove(from);
        if (asked.waitingFor().isEmpty()) {
            concludeFounding();
        }
    }

    /** Every other member said it never held the state: the cluster is new, and this node may lead it empty. */
    private void concludeFounding() {
        FoundingQuestion q = asked;
        asked = null;
        if (syncedView == 0 && applied == 0) {
            founding = true;
        }
        answerInstall(q.requester(), q.view(), q.unnumbered());
    }

    private void giveUpAskingIfLate() {
        if (asked != null && asked.deadline() <= now) {
            FoundingQuestion q = asked;
            asked = null;
            send(q.requester(), new ViewReply(q.view(), "node " + id + " has never held the cluster's state and "
                    + "cannot tell whether the cluster is new: members " + new java.util.TreeSet<>(q.waitingFor())
                    + " did not answer whether they ever held it; promote a node that holds the data, or start "
                    + "this one with --new-cluster"));
        }
    }

    /**
     * Installs a numbered view (V1, V2, C3; a renumbering keeps the role, R7). Returns why not, or null when
     * installed.
     */
    private String install(View next) {
        if (view != null && next.number() <= view.number()) {
            return "epoch " + next.number() + " is not newer than this node's epoch " + view.number()
                    + " (or names another view with the same epoch)";
        }
        if (!votes.mayInstall(next)) {
            return votes.promisedNumber() > next.number()
                    ? "node " + id + " promised ballot " + votes.promised() + " to a controller: a view change to a "
                    + "newer epoch is under way here"
                    : "node " + id + " accepted another view with epoch " + next.number();
        }
        if (next.primary().equals(id) && next.primaryIncarnation() != 0 && next.primaryIncarnation() != incarnation) {
            return "the view names incarnation " + next.primaryIncarnation() + " of node " + id + " as primary; "
                    + "this is incarnation " + incarnation + " (it restarted since)";
        }
        if (next.primary().equals(id) && !mayLead()) {
            // Restarted empty, or joined: it may lack acknowledged writes, so it refuses to lead.
            return "node " + id + " has never held the cluster's state (it restarted empty, or joined, and has not "
                    + "yet been a synced backup): it cannot be the primary; promote a node that holds the data";
        }
        numberedByNodes = false;
        if (renumbers(next)) {
            renumber(next);
        } else {
            freshInstall(next);
        }
        return null;
    }

    /** A view change: the previous role is over (V1), and a backup counts again only after the state (R5). */
    private void freshInstall(View next) {
        abandonRole("the view changed");
        view = next;
        viewSince = now;
        votes.installed(next);
        keptLog = false;
        receiving = null;
        newestTransferLife = 0;
        newestTransfer = 0;
        syncedChain = null;
        claimed = false;
        newerStateAt = null;
        newerLineage = List.of();
        if (next.primary().equals(id)) {
            synced = true;
            syncedView = next.number();
            chainStart = Math.max(next.number(), chainStart + 1); // one name per log within a life (ChainId)
            for (String backup : next.backups()) {
                // Counted only after its state transfer, which waits for it to announce its incarnation (the
                // planted bug counts it at once, and later sends it an empty state).
                appliedBy.put(backup, config.has(Bug.COUNT_BEFORE_STATE_TRANSFER) ? applied : -1L);
                if (config.has(Bug.COUNT_BEFORE_STATE_TRANSFER)) {
                    countedIn.put(backup, next.number());
                }
            }
            heartbeat(); // at once: a backup that cannot be reached should be known before any operation is ordered
            tryClaim();  // at once when there is no backup to hear from
        } else {
            synced = false; // a backup counts only after the new primary's state transfer
            if (next.backups().contains(id)) {
                send(next.primary(), announcement()); // naming the chain its state came from (V2a)
            }
        }
    }

    /**
     * R7: the same view under a new number (same primary, backups and primary incarnation), with nothing fenced
     * here since. Operators' epoch-less views are numbered by each node, so the same view can reach a member
     * again under a higher number after the operator is done; that must not disturb what is in flight.
     */
    private boolean renumbers(View next) {
        return view != null && !fenced() && view.hasMembers(next.primary(), next.backups(), next.primaryIncarnation())
                && next.isMember(id);
    }

    /**
     * Takes the new number and keeps the role. A primary keeps its log, its operations in flight and what it knows of
     * its backups; its chain still starts where it did. A synced backup keeps its log but counts again only once the
     * primary's heartbeat shows the same chain (the primary may have led other views in between, under numbers
     * this backup never saw); otherwise it takes a state transfer as after any view change.
     */
    private void renumber(View next) {
        if (config.has(Bug.RENUMBER_ABORTS)) {
            freshInstall(next); // the planted bug: what was in flight is answered "the view changed"
            return;
        }
        view = next;
        votes.installed(next);
        answeredInView.clear();
        if (isPrimary()) {
            streams.clear(); // their batches name the old number: begun again once claimed under the new one
            appliedBy.forEach((b, upTo) -> {
                if (upTo < 0) {
                    waitingSince.put(b, now); // and their clocks start again
                }
            });
            syncedView = next.number();
            claimed = false; // V2a again: a backup that comes back under the new number may hold a newer state
            newerStateAt = null;
            newerLineage = List.of();
            heartbeat();
            tryClaim();
            return;
        }
        keptLog = (synced || keptLog) && syncedChain != null; // renumbered twice before confirming: still kept
        synced = false;
        receiving = null;
        newestTransferLife = 0;
        newestTransfer = 0;
        if (!keptLog) {
            ahead.clear();
        }
        send(view.primary(), announcement());
    }

    /** Leaving a role: nothing still waiting is acknowledged. */
    private void abandonRole(String why) {
        abandonUnconfirmed(why);
        answersNotYetDurable(why);
        appliedBy.clear();
        incarnationOf.clear();
        lastHeard.clear();
        answeredInView.clear();
        countedIn.clear();
        unreachable.clear();
        streams.clear();
        heldBy.clear();
        waitingSince.clear();
        ahead.clear();
        for (Held h : held) {
            send(h.from(), new ClientReply(h.request().id(), refusal(h.request(), why))); // never ordered
        }
        held.clear();
        for (Map.Entry<RequestId, Forwarded> f : forwarded.entrySet()) {
            for (Address requester : f.getValue().requesters) {
                send(requester, new ClientReply(f.getKey(), Result.unavailable(why)));
            }
        }
        forwarded.clear();
        storeAtForwardedRead.clear();
    }

    /** What waits for acknowledgements is answered "unavailable" (its outcome unknown) and forgotten. */
    private void abandonUnconfirmed(String why) {
        for (Entry e : unconfirmed.values()) {
            if (!e.answered) {
                answer(e, Result.unavailable(why));
            }
        }
        unconfirmed.clear();
        waitingGetAllKeys = 0;
        unconfirmedById.clear();
    }

    // ---- deciding views with a controller (docs/protocol.md, "The controller") -----------------------------

    /**
     * A node that promises a ballot above its view's number stops serving that view at once (it neither answers
     * clients nor acknowledges replication in it). What it holds is then final for that view, which is what lets
     * the controller pick the next primary from the promises it gathered.
     */
    private void onPrepare(Address controller, Prepare p) {
        if (votes.prepare(p.ballot())) {
            fenceIfPromisedAbove();
            send(controller, new Promise(p.ballot(), state()));
        } else {
            send(controller, new Refused(p.ballot(), state()));
        }
    }

    private void onAccept(Address controller, Accept a) {
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
        return new NodeState(incarnation, view, synced, syncedView, mayLead(), applied, votes.voter(), votes.promised(),
                votes.accepted(), fenced(), laggingBackups(), catchingUp(), List.copyOf(caughtUp),
                isPrimary() && !fenced() && newerStateAt != null);
    }

    /**
     * As the serving primary: how far behind each backup is. A backup that waits for the state is behind by
     * everything, since it began to wait; otherwise by what it has not acknowledged, for as long as the oldest of
     * that has waited.
     */
    public List<BackupLag> backupLag() {
        if (!isPrimary() || fenced()) {
            return List.of();
        }
        List<BackupLag> lag = new ArrayList<>();
        for (Map.Entry<String, Long> b : appliedBy.entrySet()) {
            long acknowledged = b.getValue();
            if (acknowledged < 0) {
                lag.add(new BackupLag(b.getKey(), acknowledged, applied,
                        now - Math.max(viewSince, waitingSince.getOrDefault(b.getKey(), viewSince))));
            } else {
                Map.Entry<Long, Entry> oldest = unconfirmed.higherEntry(acknowledged);
                lag.add(new BackupLag(b.getKey(), acknowledged, Math.max(0, applied - acknowledged),
                        oldest == null ? 0 : now - oldest.getValue().created));
            }
        }
        return lag;
    }

    /** As the serving primary: the backups catching up that are not lagging, with their progress. */
    private List<CatchUpProgress> catchingUp() {
        if (!isPrimary() || fenced() || streams.isEmpty()) {
            return List.of();
        }
        List<String> lagging = laggingBackups();
        List<CatchUpProgress> progress = new ArrayList<>();
        for (Map.Entry<String, CatchUpStream> s : streams.entrySet()) {
            if (!lagging.contains(s.getKey())) {
                CatchUpStream stream = s.getValue();
                progress.add(new CatchUpProgress(s.getKey(), stream.full, stream.bytesAcked(),
                        now - stream.startedAt()));
            }
        }
        return progress;
    }

    /**
     * As the serving primary: the backups that hold up acknowledgements, so that a controller can drop them even
     * when it can reach them itself (a partition between primary and backup). A backup lags if it has not
     * applied an operation older than the replication timeout, is catching up and has made no progress for that
     * long (a batch acknowledged, however large the state: docs/protocol.md, "Catch-up"), or is unreachable
     * (operations are refused while it is).
     */
    private List<String> laggingBackups() {
        if (!isPrimary() || fenced()) {
            return List.of();
        }
        Entry oldest = unconfirmed.isEmpty() ? null : unconfirmed.firstEntry().getValue();
        List<String> lagging = new ArrayList<>();
        for (Map.Entry<String, Long> b : appliedBy.entrySet()) {
            boolean late = b.getValue() < 0 ? now - progressOf(b.getKey()) > config.replicationTimeoutTicks()
                    : oldest != null && b.getValue() < oldest.seq
                    && now - oldest.created > config.replicationTimeoutTicks();
            if (late || isSilent(b.getKey())) { // not on a transport notice alone: one broken connection is not
                                                // worth a view change, while it is worth refusing at once
                lagging.add(b.getKey());
            }
        }
        return lagging;
    }

    /** A backup answered under the view's current number: it is reachable, and counts as having answered. */
    private void heardFrom(String backup) {
        lastHeard.put(backup, now);
        answeredInView.add(backup);
        unreachable.remove(backup);
    }

    /** When a backup that needs the state last made progress: it began to need it, or took a batch. */
    private long progressOf(String backup) {
        if (config.has(Bug.LAG_WHILE_CATCHING_UP)) {
            return viewSince; // the planted bug: a backup must have caught up within the timeout, however much it takes
        }
        CatchUpStream stream = streams.get(backup);
        long since = Math.max(viewSince, waitingSince.getOrDefault(backup, viewSince));
        return stream == null ? since : Math.max(since, stream.progressAt());
    }

    // ---- the state machine of the data -----------------------------------------------------------------------

    private Result apply(Command c) {
        if (c.isRead()) {
            return apply(data, c);
        }
        String before = data.get(c.key());
        Result result = apply(data, c);
        String after = data.get(c.key());
        dataDigest += entryDigest(c.key(), after) - entryDigest(c.key(), before);
        storeBytes += entryBytes(c.key(), after) - entryBytes(c.key(), before);
        return result;
    }

    /** After {@link #data} was replaced whole: what is kept with every change, computed afresh. */
    private void dataReplaced() {
        // What was kept at forwarded reads is of the state replaced: a primary of another log could name the same
        // position for a read of the same id (a retry), and that store must not answer it (R3a).
        storeAtForwardedRead.clear();
        long digest = 0;
        long bytes = 0;
        for (Map.Entry<String, String> e : data.entrySet()) { // one pass: a whole state may hold millions of keys
            digest += entryDigest(e.getKey(), e.getValue());
            bytes += entryBytes(e.getKey(), e.getValue());
        }
        dataDigest = digest;
        storeBytes = bytes;
    }

    private static long entryBytes(String key, String value) {
        return value == null ? 0 : Sizes.entry(key, value);
    }

    /**
     * Whether {@code c}, applied now, would take the store past its quota: a write that grows the store beyond it.
     * Writes that shrink it or leave it as it is (deletes, smaller values, a cas that would not match) always pass,
     * so that deleting brings a full store back under its quota.
     */
    private boolean wouldExceedQuota(Command c) {
        if (storeQuota == Long.MAX_VALUE || c.isRead() || c.kind() == Command.Kind.DELETE) {
            return false;
        }
        String current = data.get(c.key());
        if (c.kind() == Command.Kind.CAS && !Objects.equals(current, c.expected())) {
            return false;
        }
        long grows = entryBytes(c.key(), c.value()) - entryBytes(c.key(), current);
        return grows > 0 && storeBytes + grows > storeQuota;
    }

    /**
     * Caps the store (like etcd's {@code --quota-backend-bytes}): as primary, this node refuses a write that would
     * take the store past {@code bytes} (as {@link Sizes} counts keys and values) with {@link Result.Status#FULL};
     * reads, deletes and shrinking writes go on. The primary decides, so every member should have the same quota.
     */
    public void limitStore(long bytes) {
        if (bytes < 1) {
            throw new IllegalArgumentException("a store quota is at least one byte, not " + bytes);
        }
        storeQuota = bytes;
    }

    /** The sum of the entries' digests: kept up to date by adding and subtracting as entries change. */
    private static long digestOf(Map<String, String> data) {
        long sum = 0;
        for (Map.Entry<String, String> e : data.entrySet()) {
            sum += entryDigest(e.getKey(), e.getValue());
        }
        return sum;
    }

    private static long entryDigest(String key, String value) {
        if (value == null) {
            return 0;
        }
        // 64-bit FNV-1a over the key, a separator no char equals, and the value (String.hashCode's 32 bits would
        // let "Aa" pass for "BB"), then MurmurHash3's finalizer so that every input bit moves every output bit.
        long h = 0xcbf29ce484222325L;
        for (int i = 0; i < key.length(); i++) {
            h = (h ^ key.charAt(i)) * 0x100000001b3L;
        }
        h = (h ^ 0x10000) * 0x100000001b3L;
        for (int i = 0; i < value.length(); i++) {
            h = (h ^ value.charAt(i)) * 0x100000001b3L;
        }
        h = (h ^ (h >>> 33)) * 0xff51afd7ed558ccdL;
        h = (h ^ (h >>> 33)) * 0xc4ceb9fe1a85ec53L;
        return h ^ (h >>> 33);
    }

    private static Result apply(TreeMap<String, String> data, Command c) {
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
        assert result.status() == Result.Status.UNAVAILABLE || isServingPrimary()
                : "node " + id + " acknowledges " + e.id + " without serving as primary of view " + view;
        e.answered = true;
        for (Address to : e.replyTo) {
            send(to, new ClientReply(e.id, result.all() != null && !e.joinedLater.contains(to)
                    && holdsPosition(to, result.seq()) ? result.withoutStore() : result));
        }
    }

    /**
     * Whether {@code to} is a backup that acknowledged position {@code seq}: it applied the same operations up to it,
     * so the answer to a whole-store read it forwarded need not carry the store (it kept its own, taken there).
     * What the store's size would cost twice over the network and in memory, for every such read, is not paid.
     */
    private boolean holdsPosition(Address to, long seq) {
        return to instanceof Address.Node n && appliedBy.getOrDefault(n.name(), -1L) >= seq;
    }

    /** To another node of the cluster. */
    private void send(String node, Message m) {
        send(new Address.Node(node), m);
    }

    private void send(Address to, Message m) {
        assert !(m instanceof Ack a) || view != null && a.view() == view.number()
                : "node " + id + " acknowledges under view " + ((Ack) m).view() + " while it holds " + view;
        out.add(new Send(to, m));
    }

    /** A reply among {@code sends} that calls an operation certainly not applied while it is in this node's log. */
    private Send refusedYetOrdered(List<Send> sends) {
        for (Send s : sends) {
            if (s.message() instanceof ClientReply r && r.result().certainlyNotApplied()
                    && unconfirmedById.containsKey(r.id())) {
                return s;
            }
        }
        return null;
    }

    private List<Send> drain() {
        List<Send> sends = out;
        out = new ArrayList<>();
        if (disk != null) {
            sends = throughDisk(sends);
        }
        assert refusedYetOrdered(sends) == null : "node " + id
                + " refuses as certainly not applied an operation it has ordered: " + refusedYetOrdered(sends);
        return sends;
    }

    // ---- durability (docs/protocol.md, "Durability") ---------------------------------------------------------

    /**
     * The step's records go to the disk first (the facts last, if they changed); then each send that says something
     * of this node's state waits until every record so far is durable, and what the disk has just made durable
     * leaves, in the order it was sent.
     */
    private List<Send> throughDisk(List<Send> step) {
        if (loggedSinceSnapshot >= snapshotEvery) {
            snapshot(false);
        }
        Message.Remembered now = remembered();
        if (!now.equals(remembered)) {
            toDisk.add(now);
            remembered = now;
        }
        List<Send> sends = new ArrayList<>(toDisk.size() + released.size() + step.size());
        for (Message record : toDisk) {
            sends.add(new Send(disk, record));
        }
        if (!toDisk.isEmpty()) {
            recorded += toDisk.size();
            recordedState.addLast(new Recorded(recorded, applied, heldChain(), syncedView));
            toDisk.clear();
        }
        sends.addAll(released);
        released.clear();
        for (Send s : step) {
            if (persisted < recorded && mustWaitForDisk(s.message()) && !config.has(Bug.ACK_BEFORE_FSYNC)) {
                waitingForDisk.addLast(new Waiting(recorded, s));
            } else {
                sends.add(s);
            }
        }
        return sends;
    }

    private boolean mustWaitForDisk(Message m) {
        return switch (m) {
            // An acknowledgement of operations goes at once if it claims only what is durable (see acknowledgement);
            // an announcement asks for the state, and claims nothing that counts.
            // It must be of the chain the disk holds (primary, life and start: the simulator's nodes share lives),
            // up to what is durable, and its node's being synced in this view must be durable too: a backup that
            // counts and then comes back from its disk not synced in the view would let a controller conclude that
            // the view acknowledged nothing (C5).
            case Ack a -> a.seq() >= 0 && (!Objects.equals(durableChain, syncedChain) || a.seq() > durablePosition
                    || view == null || durableSyncedView < view.number());
            // Of a transfer still under way: progress only. Of one completed: this node counts from then on.
            case CatchUpAck a -> receiving == null && a.transfer() == newestTransfer && a.batch() >= 0;
            default -> saysWhatItHolds(m);
        };
    }

    /**
     * Whether a message states or relies on what this node holds or promised (an acknowledgement, an answer with a
     * result, a vote, a view taken, a state offered), so that it must not outrun the disk: a crash would take back
     * what it said. What a primary sends to be replicated goes at once: its backups write it while it does.
     */
    private static boolean saysWhatItHolds(Message m) {
        return switch (m) {
            case Replicate r -> false;
            case CatchUp c -> false;
            case Heartbeat h -> false;
            case Message.StateRequest r -> false;
            case ClientRequest r -> false; // forwarded to the primary
            case FoundingQuery q -> false;
            case ClientReply r -> r.result().status() != Result.Status.UNAVAILABLE && !r.result().certainlyNotApplied();
            case Message.Status s -> false; // what a controller watches to tell who is there; it decides on promises
            default -> true;
        };
    }

    /**
     * Answers with a result that still wait for this node's disk are answered "unavailable" at once when the role
     * they were earned in ends: each was confirmed under a view (and chain) this node no longer serves, and an
     * acknowledgement must be backed by the view it leaves under. The client's retry gets the recorded result.
     */
    private void answersNotYetDurable(String why) {
        for (Iterator<Waiting> it = waitingForDisk.iterator(); it.hasNext(); ) {
            Send s = it.next().send();
            if (s.message() instanceof ClientReply r) {
                it.remove();
                out.add(new Send(s.to(), new ClientReply(r.id(), Result.unavailable(why))));
            }
        }
    }

    private void onPersisted(long upTo) {
        if (upTo <= persisted || upTo > recorded) {
            return;
        }
        persisted = upTo;
        Recorded before = new Recorded(0, durablePosition, durableChain, durableSyncedView);
        while (!recordedState.isEmpty() && recordedState.peekFirst().records() <= upTo) {
            Recorded r = recordedState.pollFirst();
            durablePosition = r.position();
            durableChain = r.chain();
            durableSyncedView = r.syncedView();
        }
        while (!waitingForDisk.isEmpty() && waitingForDisk.peekFirst().records() <= upTo) {
            released.add(waitingForDisk.pollFirst().send());
        }
        if (!before.equals(new Recorded(0, durablePosition, durableChain, durableSyncedView)) && view != null
                && !isPrimary() && synced && !fenced()) {
            sendAck(view.primary(), acknowledgement()); // what it applied is durable now: that is what counts
        }
    }

    /** What this node must remember across a restart besides its data. */
    private Message.Remembered remembered() {
        return new Message.Remembered(syncedView, founding, lineage, votes.voter(), votes.promised(),
                votes.accepted());
    }

    /**
     * The whole state to the disk, as a snapshot: every {@link #snapshotEvery} operations, so that the log before it
     * can go, and whenever the state is replaced whole ({@code replaced}), since the log does not lead to it.
     */
    private void snapshot(boolean replaced) {
        if (disk == null) {
            return;
        }
        toDisk.add(new Message.Snapshot(remembered(), applied, new TreeMap<>(data), done.all(), replaced));
        loggedSinceSnapshot = 0;
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

    /** Whether this node leads its view and no controller's promise has fenced it (what a client can be served by). */
    public boolean isServingPrimary() {
        return isPrimary() && !fenced();
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

    /**
     * The position of the state this node's disk holds durably (without a disk: the state held). What a restart
     * brings back; an acknowledged operation must be at or below it at every member of its view.
     */
    public long durablePosition() {
        return disk == null ? applied : durablePosition;
    }

    /** The view this node was last synced in, as its disk holds it (without a disk: as it holds it). */
    public long durableSyncedView() {
        return disk == null ? syncedView : durableSyncedView;
    }

    /** The chain of the state {@link #durablePosition} is a position in. */
    public ChainId durableChain() {
        return disk == null ? heldChain() : durableChain;
    }

    /** Whether something this node has sent to {@code to} waits for its disk (the host may wait for it too). */
    public boolean waitsForDisk(Address to) {
        for (Waiting w : waitingForDisk) {
            if (w.send().to().equals(to)) {
                return true;
            }
        }
        for (Send s : released) {
            if (s.to().equals(to)) {
                return true;
            }
        }
        return false;
    }

    /** Whether this node keeps its state on disk. */
    public boolean keepsOnDisk() {
        return disk != null;
    }

    /** The chain of the log the state this node holds comes from (null: none known); see {@link ChainId}. */
    public ChainId chain() {
        return heldChain();
    }

    /** As the primary: the backups of the view that do not count yet (not announced, or state not applied). */
    public List<String> backupsAwaitingState() {
        if (!isPrimary()) {
            return List.of();
        }
        return appliedBy.entrySet().stream().filter(e -> e.getValue() < 0).map(Map.Entry::getKey).toList();
    }

    /**
     * A digest of the key-value state, kept as it changes (no scan): two replicas at the same position of the same
     * chain must have equal digests, which lets the simulator check on every acknowledgement that a backup holds
     * the data its position claims, not only the position.
     */
    public long stateDigest() {
        assert data.size() > 256 || dataDigest == digestOf(data) : "the digest drifted from the data";
        return dataDigest;
    }

    public Map<String, String> data() {
        return java.util.Collections.unmodifiableMap(new TreeMap<>(data));
    }
}
