package kvstore.node.server;

import kvstore.node.core.Command;
import kvstore.node.core.Message;
import kvstore.node.core.Message.ClientReply;
import kvstore.node.core.Message.ClientRequest;
import kvstore.node.core.Message.NewView;
import kvstore.node.core.NodeState;
import kvstore.node.core.Replica;
import kvstore.node.core.RequestId;
import kvstore.node.core.Result;
import kvstore.node.core.Send;
import kvstore.node.core.View;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Runs the replica core in production: one thread owns it and feeds it, in turn, HTTP requests, messages from
 * other nodes and timer ticks, exactly as the simulator's event loop does. Whatever the core sends goes to a
 * waiting HTTP request (a local client) or to {@link Peers}. Nothing else touches the core, so it needs no locks.
 */
public final class ReplicaHost implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(ReplicaHost.class.getName());
    private static final String CLIENT_PREFIX = "client:"; // node ids are numbers, so these never collide
    private static final String CONTROLLER = "controller";

    private final long nodeId;
    private final Replica replica;
    private final Peers peers;
    private final ExecutorService loop;             // the one thread that touches the core
    private final ScheduledExecutorService ticker;  // only enqueues ticks (a scheduled queue is slower per task)
    private final Map<String, CompletableFuture<Result>> waiting = new ConcurrentHashMap<>();
    private final AtomicLong handles = new AtomicLong();
    private final boolean detectFounding;
    private ViewDocument view;       // the installed view document (with its epoch); only the loop touches it
    private Message controllerAnswer; // what the core just answered a controller; only the loop touches it
    private boolean numberedByNodes; // the operator sent it without an epoch: members pass its number on
    private long ticks;

    /** How often (in ticks) a primary passes its view on again to backups that have not joined it yet. */
    private static final int PASS_ON_AGAIN_TICKS = 50;

    /**
     * @param detectFounding when a view makes this never-synced node primary, ask the other members whether the
     *                       cluster is new (see {@link NodeConfig.Start#DETECT})
     */
    public ReplicaHost(long nodeId, Replica replica, Peers peers, Duration tick, boolean detectFounding) {
        this.nodeId = nodeId;
        this.replica = replica;
        this.peers = peers;
        this.detectFounding = detectFounding;
        this.loop = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "replica-" + nodeId);
            t.setDaemon(true);
            return t;
        });
        this.ticker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "ticks-" + nodeId);
            t.setDaemon(true);
            return t;
        });
        ticker.scheduleAtFixedRate(() -> enqueue(this::tick), tick.toNanos(), tick.toNanos(), TimeUnit.NANOSECONDS);
        peers.onUnreachable(peer -> receive(peer, List.of(new Message.Unreachable())));
    }

    private void tick() {
        step(replica::onTick);
        if (++ticks % PASS_ON_AGAIN_TICKS == 0 && numberedByNodes) {
            // A pass-on is best effort; a backup that missed it would stay in the old numbering and never join.
            for (String backup : replica.backupsAwaitingState()) {
                peers.sendView(backup, view);
            }
        }
    }

    /** Hands a client's command to the core; the future completes with the core's answer. */
    public CompletableFuture<Result> execute(RequestId id, Command command) {
        String handle = CLIENT_PREFIX + handles.incrementAndGet();
        CompletableFuture<Result> answer = new CompletableFuture<>();
        waiting.put(handle, answer);
        answer.whenComplete((r, e) -> waiting.remove(handle)); // also when the caller gives up waiting
        if (!enqueue(() -> step(() -> replica.onMessage(handle, new ClientRequest(id, command))))) {
            answer.complete(Result.unavailable("the node is shutting down"));
        }
        return answer;
    }

    /** Messages from another node, handled in order in one turn of the loop. */
    public void receive(String from, List<Message> messages) {
        enqueue(() -> {
            for (Message m : messages) {
                step(() -> replica.onMessage(from, m));
            }
        });
    }

    private boolean enqueue(Runnable work) {
        try {
            loop.execute(work);
            return true;
        } catch (RejectedExecutionException e) {
            return false; // closed
        }
    }

    /** The outcome of a view document: what changed, and this node's role in the view it now holds. */
    public record ViewOutcome(ViewChange.Kind kind, ViewDocument document, String refusal) {
    }

    /**
     * Installs a view document from {@code PUT /view}, or one another member passed on ({@code passedOn}), which
     * may only renumber the view this node holds (see {@link ViewChange#decidePassedOn}). A view the operator
     * sent without an epoch is numbered here and passed on to the other members, so that they agree on its
     * number; sent again, it is passed on again, which heals a member that missed the first pass-on.
     */
    public ViewOutcome installView(ViewDocument incoming, boolean passedOn) {
        boolean decided = incoming.basis() != null; // a controller's view (docs/api.md)
        if (!passedOn && !decided && detectFounding && incoming.primary() == nodeId && !onLoop(replica::mayLead)
                && peers.noOtherMemberEverSynced(incoming, nodeId)) {
            onLoop(() -> {
                replica.foundNewCluster();
                return null;
            });
        }
        return onLoop(() -> {
            ViewChange change = passedOn ? ViewChange.decidePassedOn(view, incoming)
                    : ViewChange.decide(view, incoming);
            boolean operatorNumberless = !passedOn && incoming.epoch() == null;
            if (change.kind() == ViewChange.Kind.ALREADY_CURRENT && operatorNumberless) {
                passOn(view);
            }
            if (change.kind() != ViewChange.Kind.INSTALL) {
                return new ViewOutcome(change.kind(), change.document(), null);
            }
            ViewDocument next = change.document();
            peers.learn(next.addresses());
            View coreView = next.toCoreView();
            step(() -> replica.onMessage("operator", new NewView(coreView, decided)));
            if (replica.view() == null || replica.view().number() != next.epoch()) {
                return new ViewOutcome(ViewChange.Kind.STALE, next, refusalOf(coreView, decided));
            }
            view = next;
            numberedByNodes = passedOn || operatorNumberless;
            if (operatorNumberless) {
                passOn(next);
            }
            return new ViewOutcome(ViewChange.Kind.INSTALL, next, null);
        });
    }

    /** Why the core did not install {@code v} (called on the loop, right after it refused). */
    private String refusalOf(View v, boolean decided) {
        NodeState s = replica.state();
        if (decided && !s.voter()) {
            return "node " + nodeId + " restarted and no controller has restored its vote yet: it takes a "
                    + "controller's view only after that";
        }
        if (s.promised() != null && s.promised().number() > v.number()) {
            return "node " + nodeId + " promised ballot " + s.promised() + " to a controller: a view change to a "
                    + "newer epoch is under way here";
        }
        if (s.accepted() != null && s.accepted().number() == v.number() && !s.accepted().equals(v)) {
            return "node " + nodeId + " accepted another view with epoch " + v.number();
        }
        if (v.primary().equals(String.valueOf(nodeId)) && v.primaryIncarnation() != 0
                && v.primaryIncarnation() != replica.incarnation()) {
            return "the view names incarnation " + v.primaryIncarnation() + " of node " + nodeId + " as primary; "
                    + "this is incarnation " + replica.incarnation() + " (it restarted since)";
        }
        return "node " + nodeId + " has never held the cluster's state (it restarted empty, or joined, and has not "
                + "yet been a synced backup), and another member has: it cannot be the primary; promote a node "
                + "that holds the data";
    }

    /**
     * A controller's question (a probe, a prepare, an accept), answered by the core: {@code Status},
     * {@code Promise}, {@code Accepted} or {@code Refused}.
     */
    public Message answerController(Message question) {
        return onLoop(() -> {
            controllerAnswer = null;
            step(() -> replica.onMessage(CONTROLLER, question));
            Message answer = controllerAnswer;
            controllerAnswer = null;
            if (answer == null) {
                throw new IllegalStateException("the core did not answer " + question);
            }
            return answer;
        });
    }

    private void passOn(ViewDocument doc) {
        for (ViewDocument.Member m : doc.members()) {
            if (m.id() != nodeId) {
                peers.sendView(String.valueOf(m.id()), doc);
            }
        }
    }

    /**
     * The view document this node holds (null: none yet), whether it leads it, and the core's state (synced, the
     * last epoch it was synced in, its vote), read in one turn of the loop.
     */
    public record Status(ViewDocument view, boolean primary, NodeState state) {
    }

    public Status status() {
        return onLoop(() -> new Status(view, replica.isPrimary(), replica.state()));
    }

    public long incarnation() {
        return replica.incarnation();
    }

    /** Runs one input through the core and routes what it sends. Only ever called on the loop thread. */
    private void step(Callable<List<Send>> input) {
        try {
            for (Send send : input.call()) {
                if (send.to().startsWith(CLIENT_PREFIX)) {
                    CompletableFuture<Result> client = waiting.remove(send.to());
                    if (client != null && send.message() instanceof ClientReply reply) {
                        client.complete(reply.result());
                    }
                } else if (send.to().equals(CONTROLLER)) {
                    controllerAnswer = send.message();
                } else {
                    peers.send(send.to(), send.message());
                }
            }
        } catch (Throwable e) {
            // One bad input must not cost the rest of this turn (a batch from a peer, a tick's pass-ons).
            LOG.log(System.Logger.Level.ERROR, "the replica failed on an input", e);
        }
    }

    private <T> T onLoop(Callable<T> work) {
        try {
            return loop.submit(work).get();
        } catch (RejectedExecutionException | java.util.concurrent.CancellationException e) {
            throw DataRoutes.unavailable("the node is shutting down");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw DataRoutes.unavailable("the node is shutting down");
        }
    }

    @Override
    public void close() {
        ticker.shutdownNow();
        for (Runnable dropped : loop.shutdownNow()) {
            if (dropped instanceof java.util.concurrent.Future<?> f) {
                f.cancel(false); // a handler waiting for it (status, a view) gets its 503 instead of waiting forever
            }
        }
        waiting.values().forEach(f -> f.complete(Result.unavailable("the node is shutting down")));
    }
}
