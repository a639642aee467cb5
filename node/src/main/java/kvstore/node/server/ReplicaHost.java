package kvstore.node.server;

import kvstore.core.Address;
import kvstore.core.Command;
import kvstore.core.Message;
import kvstore.core.Message.ClientReply;
import kvstore.core.Message.ClientRequest;
import kvstore.core.Message.NewView;
import kvstore.core.Message.UnnumberedView;
import kvstore.core.Message.ViewReply;
import kvstore.core.NodeState;
import kvstore.core.Replica;
import kvstore.core.RequestId;
import kvstore.core.Result;
import kvstore.core.Send;
import kvstore.core.View;

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
    private static final Address CONTROLLER = new Address.Controller("controller");

    private final long nodeId;
    private final Replica replica;
    private final Peers peers;
    private final ExecutorService loop;             // the one thread that touches the core
    private final ScheduledExecutorService ticker;  // only enqueues ticks (a scheduled queue is slower per task)
    private final Map<Address, CompletableFuture<Result>> waiting = new ConcurrentHashMap<>();
    private final Map<Address, CompletableFuture<ViewReply>> viewRequests = new ConcurrentHashMap<>();
    private final AtomicLong handles = new AtomicLong();
    private Message controllerAnswer; // what the core just answered a controller; only the loop touches it

    public ReplicaHost(long nodeId, Replica replica, Peers peers, Duration tick) {
        this.nodeId = nodeId;
        this.replica = replica;
        this.peers = peers;
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
        ticker.scheduleAtFixedRate(() -> enqueue(() -> step(replica::onTick)), tick.toNanos(), tick.toNanos(),
                TimeUnit.NANOSECONDS);
        peers.onUnreachable(peer -> receive(peer, List.of(new Message.Unreachable())));
    }

    /** Hands a client's command to the core; the future completes with the core's answer. */
    public CompletableFuture<Result> execute(RequestId id, Command command) {
        Address handle = new Address.Client(String.valueOf(handles.incrementAndGet()));
        CompletableFuture<Result> answer = new CompletableFuture<>();
        waiting.put(handle, answer);
        answer.whenComplete((r, e) -> waiting.remove(handle)); // also when the caller gives up waiting
        if (!enqueue(() -> step(() -> replica.onMessage(handle, new ClientRequest(id, command))))) {
            answer.complete(Result.unavailable("the node is shutting down"));
        }
        return answer;
    }

    /**
     * Where another node says it listens now (a node restarted on another port answers from there before any view
     * says so). Like a view's addresses, it is believed: peers are authenticated by the cluster token, if any.
     */
    public void learnReturnAddress(String from, String address) {
        peers.learn(Map.of(Long.parseLong(from), address));
    }

    /** Messages from another node, handled in order in one turn of the loop. */
    public void receive(String from, List<Message> messages) {
        Address sender = new Address.Node(from);
        enqueue(() -> {
            for (Message m : messages) {
                step(() -> replica.onMessage(sender, m));
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

    /**
     * Hands a view document from {@code PUT /view} to the core (numbered or not; a controller's when it names a
     * basis) and waits for its answer: the view the node now holds, or why it refused. The addresses the document
     * names are learned first: where nodes listen is the transport's business, not the core's.
     */
    public ViewReply installView(ViewDocument doc, Duration timeout) {
        Map<String, String> named = new java.util.TreeMap<>();
        doc.addresses().forEach((id, address) -> named.put(String.valueOf(id), address));
        peers.learnUnknown(named);
        Message m = doc.epoch() == null
                ? new UnnumberedView(String.valueOf(doc.primary()), doc.backups().stream().map(String::valueOf).toList())
                : new NewView(doc.toCoreView(), doc.basis() != null);
        Address handle = new Address.Operator(String.valueOf(handles.incrementAndGet()));
        CompletableFuture<ViewReply> answer = new CompletableFuture<>();
        viewRequests.put(handle, answer);
        try {
            if (!enqueue(() -> step(() -> replica.onMessage(handle, m)))) {
                throw DataRoutes.unavailable("the node is shutting down");
            }
            ViewReply reply = answer.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
            if (reply.refusal() == null) {
                peers.learn(doc.addresses());
            }
            return reply;
        } catch (java.util.concurrent.TimeoutException e) {
            throw DataRoutes.unavailable("the node did not decide on the view in time");
        } catch (java.util.concurrent.CancellationException e) {
            throw DataRoutes.unavailable("the node is shutting down");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw DataRoutes.unavailable("the node is shutting down");
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        } finally {
            viewRequests.remove(handle);
        }
    }

    /** The view document of a core view, with the addresses this node knows. */
    public ViewDocument document(View v) {
        List<ViewDocument.Member> members = v.members().stream()
                .map(id -> new ViewDocument.Member(Long.parseLong(id), peers.address(id))).toList();
        return new ViewDocument(members, Long.parseLong(v.primary()), v.number(), v.primaryIncarnation(),
                v.basis() == Math.max(0, v.number() - 1) && v.primaryIncarnation() == 0 ? null : v.basis());
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

    /**
     * The view this node holds (null: none yet), whether it leads it, and the core's state (synced, the last epoch
     * it was synced in, its vote), read in one turn of the loop.
     */
    public record Status(ViewDocument view, boolean primary, NodeState state) {
    }

    public Status status() {
        return onLoop(() -> new Status(replica.view() == null ? null : document(replica.view()), replica.isPrimary(),
                replica.state()));
    }

    public long incarnation() {
        return replica.incarnation();
    }

    /** Runs one input through the core and routes what it sends. Only ever called on the loop thread. */
    private void step(Callable<List<Send>> input) {
        try {
            for (Send send : input.call()) {
                switch (send.to()) {
                    case Address.Client c -> {
                        CompletableFuture<Result> client = waiting.remove(c);
                        if (client != null && send.message() instanceof ClientReply reply) {
                            client.complete(reply.result());
                        }
                    }
                    case Address.Operator o -> {
                        CompletableFuture<ViewReply> operator = viewRequests.remove(o);
                        if (operator != null && send.message() instanceof ViewReply reply) {
                            operator.complete(reply);
                        }
                    }
                    case Address.Controller c -> controllerAnswer = send.message();
                    case Address.Node n -> peers.send(n.name(), send.message());
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
        viewRequests.values().forEach(f -> f.cancel(false));
    }
}
