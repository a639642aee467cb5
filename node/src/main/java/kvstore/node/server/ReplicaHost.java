package kvstore.node.server;

import kvstore.core.Address;
import kvstore.core.BackupLag;
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
import kvstore.node.host.ProcessLoop;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Runs the replica core in production on a {@link ProcessLoop}, which feeds it HTTP requests, messages from other
 * nodes and controllers, and ticks. Whatever the core sends goes to a waiting HTTP request (a local client, an
 * operator's {@code PUT /view}), to the controller whose request is being handled, or to {@link Peers}.
 */
public final class ReplicaHost implements AutoCloseable {
    private final long nodeId;
    private final Replica replica;
    private final Peers peers;
    private final ProcessLoop loop;
    private final Map<Address, CompletableFuture<Result>> waiting = new ConcurrentHashMap<>();
    private final AnswerDeadlines<Address> deadlines = new AnswerDeadlines<>();
    private final java.util.concurrent.atomic.LongAdder stateTransferBytes =
            new java.util.concurrent.atomic.LongAdder();
    private final Map<Address, CompletableFuture<ViewReply>> viewRequests = new ConcurrentHashMap<>();
    private final AtomicLong handles = new AtomicLong();
    // The controllers' requests being answered, by controller: what the core sent each meanwhile. Only the loop
    // touches it.
    private final Map<Address, List<Exchange>> exchanges = new java.util.concurrent.ConcurrentHashMap<>();
    private Exchange stepping; // the request whose messages the core is taking now (loop only)
    private final Address.Disk disk;
    private final Consumer<Message> toDisk;

    /**
     * How long a controller's request waits for answers that wait for the disk (a promise is sent only once
     * durable): a sync takes milliseconds; past this the disk is stalled, and the controller asks again later.
     */
    private static final Duration DISK_WAIT = Duration.ofMillis(500);

    /** A controller's request: the answers collected for it, complete once none waits for the disk. */
    private record Exchange(List<Message> answers, CompletableFuture<List<Message>> done) {
    }

    public ReplicaHost(long nodeId, Replica replica, Peers peers, Duration tick) {
        this(nodeId, replica, peers, tick, m -> {
            throw new IllegalStateException("this node keeps nothing on disk");
        });
    }

    /** A host whose core keeps its state on disk: its storage requests go to {@code toDisk}. */
    public ReplicaHost(long nodeId, Replica replica, Peers peers, Duration tick, Consumer<Message> toDisk) {
        this.nodeId = nodeId;
        this.replica = replica;
        this.peers = peers;
        this.toDisk = toDisk;
        this.disk = new Address.Disk(String.valueOf(nodeId));
        this.loop = new ProcessLoop("replica-" + nodeId, replica, tick, this::route);
        loop.besideTicks(this::failOverdue); // the ticker goes on if the loop stalls or stops
        onFatal(e -> { }); // answers the waiting requests even if nobody else asks to hear of a fatal error
        peers.onUnreachable(peer -> receive(peer, List.of(new Message.Unreachable())));
    }

    /** What to do once the core's loop stopped on an error of the virtual machine (see {@link ProcessLoop#step}). */
    public void onFatal(Consumer<VirtualMachineError> action) {
        loop.onFatal(e -> {
            try {
                answerWaiting("the node's core stopped on an error");
            } finally { // short of memory, say: the deadlines still answer those left
                action.accept(e);
            }
        });
    }

    /** Fails the requests unanswered at their deadline: the sweep of {@link AnswerDeadlines}, every tick. */
    private void failOverdue() {
        deadlines.dueBy(System.nanoTime(), handle -> {
            CompletableFuture<Result> answer = waiting.get(handle);
            if (answer != null) {
                answer.completeExceptionally(LATE);
            }
        });
    }

    /** How an overdue request fails: one for all, since its stack would say nothing anyway. */
    private static final java.util.concurrent.TimeoutException LATE =
            new java.util.concurrent.TimeoutException("no answer in time");

    /** Answers every request still waiting for the core: it will not answer them (it stopped, or is closing). */
    private void answerWaiting(String why) {
        waiting.values().forEach(f -> f.complete(Result.unavailable(why)));
    }

    /** The disk made the first {@code upTo} records of this life durable: the core hears it in its next turn. */
    public void persisted(long upTo) {
        loop.enqueue(() -> {
            loop.step(() -> replica.onMessage(disk, new Message.Persisted(upTo)));
            finishExchanges();
        });
    }

    /**
     * Hands a client's command to the core; the future completes with the core's answer, or fails with a
     * {@link java.util.concurrent.TimeoutException} if none came within {@code timeout} (at the next tick after it;
     * the same for every request: see {@link AnswerDeadlines}).
     */
    public CompletableFuture<Result> execute(RequestId id, Command command, Duration timeout) {
        Address handle = new Address.Client(String.valueOf(handles.incrementAndGet()));
        CompletableFuture<Result> answer = new CompletableFuture<>();
        waiting.put(handle, answer);
        deadlines.add(handle, System.nanoTime(), timeout);
        answer.whenComplete((r, e) -> waiting.remove(handle)); // also when the caller gives up waiting
        if (!loop.deliver(handle, List.of(new ClientRequest(id, command)))) {
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
        loop.deliver(new Address.Node(from), messages);
    }

    /**
     * Hands a view document from {@code PUT /view} to the core (numbered or not; a controller's when it names a
     * basis) and waits for its answer: the view the node now holds, or why it refused. The addresses the document
     * names are learned first: where nodes listen is the transport's business, not the core's.
     */
    public ViewReply installView(ViewDocument doc, Duration timeout) {
        peers.learnUnknown(doc.addresses());
        Message m = doc.epoch() == null
                ? new UnnumberedView(String.valueOf(doc.primary()), doc.backups().stream().map(String::valueOf).toList())
                : new NewView(doc.toCoreView(), doc.basis() != null);
        Address handle = new Address.Operator(String.valueOf(handles.incrementAndGet()));
        CompletableFuture<ViewReply> answer = new CompletableFuture<>();
        viewRequests.put(handle, answer);
        try {
            if (!loop.deliver(handle, List.of(m))) {
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
     * A controller's messages (probes, prepares, accepts, decided views), handled in one turn of the loop; what the
     * core sends that controller is the answer, once none of it waits for the disk any more (a promise leaves only
     * once durable; at most {@link #DISK_WAIT}). A controller has no address of its own: it asks, and
     * the answers come back on its request. {@code addresses} (node id to host:port) are learned as a view
     * document's are: those not known yet before, all of them once the node took a view they came with.
     */
    public List<Message> exchange(String controller, Map<Long, String> addresses, List<Message> messages) {
        peers.learnUnknown(addresses);
        Address sender = new Address.Controller(controller);
        Exchange exchange = new Exchange(new ArrayList<>(), new CompletableFuture<>());
        onLoop(() -> {
            exchanges.computeIfAbsent(sender, k -> new java.util.concurrent.CopyOnWriteArrayList<>()).add(exchange);
            stepping = exchange;
            try {
                for (Message m : messages) {
                    loop.step(() -> replica.onMessage(sender, m));
                }
            } finally {
                stepping = null;
            }
            finishExchanges(); // at once, unless an answer (a promise, say) waits for the disk
            return null;
        });
        List<Message> answers;
        try {
            answers = exchange.done().get(DISK_WAIT.toNanos(), TimeUnit.NANOSECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            answers = onLoop(() -> { // the disk is slow: what is ready goes now, the rest with a later request
                List<Exchange> pending = exchanges.get(sender);
                if (pending != null) {
                    pending.remove(exchange);
                    if (pending.isEmpty()) {
                        exchanges.remove(sender);
                    }
                }
                return List.copyOf(exchange.answers());
            });
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw DataRoutes.unavailable("the node is shutting down");
        } catch (ExecutionException | java.util.concurrent.CancellationException e) {
            throw DataRoutes.unavailable("the node is shutting down");
        }
        if (answers.stream().anyMatch(a -> a instanceof ViewReply r && r.refusal() == null)) {
            peers.learn(addresses);
        }
        return answers;
    }

    /** Completes the controllers' requests whose answers no longer wait for the disk. On the loop. */
    private void finishExchanges() {
        for (java.util.Iterator<Map.Entry<Address, List<Exchange>>> it = exchanges.entrySet().iterator();
             it.hasNext(); ) {
            Map.Entry<Address, List<Exchange>> e = it.next();
            if (!replica.waitsForDisk(e.getKey())) {
                e.getValue().forEach(x -> x.done().complete(List.copyOf(x.answers())));
                it.remove();
            }
        }
    }

    /**
     * The view this node holds (null: none yet), whether it leads it, and the core's state (synced, the last epoch
     * it was synced in, its vote), read in one turn of the loop.
     *
     * @param lag as the primary, how far behind each backup is (none otherwise)
     */
    public record Status(ViewDocument view, boolean primary, NodeState state, List<BackupLag> lag) {
    }

    public Status status() {
        return onLoop(() -> new Status(replica.view() == null ? null : document(replica.view()), replica.isPrimary(),
                replica.state(), replica.backupLag()));
    }

    /** About how many bytes of state this node has sent to catch backups up (Sizes of its catch-up batches). */
    public long stateTransferBytes() {
        return stateTransferBytes.sum();
    }

    public long incarnation() {
        return replica.incarnation();
    }

    /** Where what the core sends goes: a waiting request, the asking controller, or a peer. On the loop thread. */
    private void route(Send send) {
        switch (send.to()) {
            case Address.Client c -> {
                if (send.message() instanceof ClientReply reply) { // the request stays waiting for nothing else
                    CompletableFuture<Result> client = waiting.remove(c);
                    if (client != null) {
                        client.complete(reply.result());
                    }
                }
            }
            case Address.Operator o -> {
                CompletableFuture<ViewReply> operator = viewRequests.remove(o);
                if (operator != null && send.message() instanceof ViewReply reply) {
                    operator.complete(reply);
                }
            }
            case Address.Controller c -> {
                List<Exchange> asking = exchanges.get(c);
                if (stepping != null && asking != null && asking.contains(stepping)) {
                    stepping.answers().add(send.message()); // an answer to the request being taken
                } else if (asking != null && !asking.isEmpty()) {
                    asking.getFirst().answers().add(send.message()); // released by the disk: the oldest request
                } // else: a controller not asking now; it asks again
            }
            case Address.Node n -> {
                if (send.message() instanceof Message.CatchUp c) {
                    stateTransferBytes.add(kvstore.core.Sizes.of(c));
                }
                peers.send(n.name(), send.message());
            }
            case Address.Disk d -> toDisk.accept(send.message());
        }
    }

    private <T> T onLoop(Callable<T> work) {
        try {
            return loop.call(work);
        } catch (RejectedExecutionException e) {
            throw DataRoutes.unavailable("the node is shutting down");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw DataRoutes.unavailable("the node is shutting down");
        }
    }

    @Override
    public void close() {
        loop.close();
        exchanges.values().forEach(l -> l.forEach(x -> x.done().cancel(false)));
        answerWaiting("the node is shutting down");
        viewRequests.values().forEach(f -> f.cancel(false));
    }
}
