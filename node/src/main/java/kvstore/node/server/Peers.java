package kvstore.node.server;

import kvstore.core.Message;
import kvstore.core.MessageCodec;
import kvstore.core.Sizes;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * Sends to other nodes: one queue and one virtual thread per peer, each writing what has queued up as one batch to
 * the peer's {@code /internal/messages} over a pipelined connection ({@link PeerConnection}); and a second one per
 * peer for bulk state (catch-up batches, state offers: {@link Sizes#isBulk}), so that heartbeats and
 * acknowledgements never wait behind a transfer on the same connection (etcd streams snapshots apart likewise). Delivery is best
 * effort, like the simulator's network: a batch that fails is dropped (the protocol retransmits), and a full queue
 * drops new messages rather than grow without bound.
 */
public final class Peers implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(Peers.class.getName());
    private static final int QUEUE_LIMIT = 100_000;
    private static final int BATCH_LIMIT = 512;

    private final String self;
    private final String token;
    private final String source;
    private final javax.net.ssl.SSLContext tls; // null: plain TCP
    private final Map<String, String> addressOf = new ConcurrentHashMap<>();
    private final Map<String, Link> links = new ConcurrentHashMap<>();     // by peer
    private final Map<String, Link> bulkLinks = new ConcurrentHashMap<>(); // by peer: bulk state only
    private volatile boolean closed;
    private volatile java.util.function.Consumer<String> unreachable = peer -> { };

    /**
     * @param source the local address to connect from, or null for the system's choice
     * @param tls    how to connect over TLS (the peer's certificate verified, this node's presented), or null for
     *               plain TCP
     */
    public Peers(String self, String token, String source, javax.net.ssl.SSLContext tls) {
        this.self = self;
        this.token = token;
        this.source = source;
        this.tls = tls;
    }

    /** Where each node listens, as a view this node took says. Older entries stay: a reply may go to a former member. */
    public void learn(Map<Long, String> addresses) {
        addresses.forEach((id, address) -> addressOf.put(String.valueOf(id), address));
    }

    /**
     * Where nodes not known yet listen, from a view document not yet taken (the core may need to ask its members,
     * and they to answer this node at the address it tells them, before it answers). Never overrides an address
     * already known.
     */
    public void learnUnknown(Map<Long, String> addresses) {
        addresses.forEach((id, address) -> addressOf.putIfAbsent(String.valueOf(id), address));
    }

    /**
     * Who to tell, with the peer's id, when a batch could not be delivered (connection refused or broken, no address
     * known): the core stops ordering operations at once rather than after its failure-detection time.
     */
    public void onUnreachable(java.util.function.Consumer<String> listener) {
        unreachable = listener;
    }

    public void send(String to, Message message) {
        enqueue(to, message);
    }

    /** Where node {@code id} listens, as the views this node was given say (null: not known). */
    public String address(String id) {
        return addressOf.get(id);
    }

    private void enqueue(String to, Message item) {
        if (closed || to.equals(self)) {
            return;
        }
        Link link = (Sizes.isBulk(item) ? bulkLinks : links).computeIfAbsent(to, Link::new);
        if (!link.queue.offer(item)) {
            LOG.log(System.Logger.Level.DEBUG, "queue to node {0} is full; dropping a message", to);
        }
    }

    @Override
    public void close() {
        closed = true;
        java.util.stream.Stream.concat(links.values().stream(), bulkLinks.values().stream()).forEach(l -> {
            l.thread.interrupt();
            l.closeConnection();
        });
    }

    /**
     * Acknowledgements are cumulative (everything up to seq, in a view, by one incarnation): of several in one
     * batch only the last of each kind says anything new. Under load a backup acknowledges every replicated
     * operation, so this saves most of its outgoing messages. State offers (V2a) likewise: each is the whole state and
     * the primary takes one, so only the newest of a batch goes. Returns a new, mutable list.
     */
    static List<Message> coalesce(List<Message> batch) {
        record AckKind(long view, long incarnation) { // cumulative within one view, by one life of the sender
        }
        List<Message> kept = new ArrayList<>(batch.size());
        Map<AckKind, Message.Ack> latestAck = new java.util.LinkedHashMap<>();
        Message.StateOffer newestOffer = null; // each is the whole state, and a primary takes one: the newest
        for (Message item : batch) {
            if (item instanceof Message.StateOffer offer) {
                newestOffer = offer;
            } else if (item instanceof Message.Ack ack && ack.seq() >= 0) {
                latestAck.merge(new AckKind(ack.view(), ack.incarnation()), ack, (a, b) -> b.seq() >= a.seq() ? b : a);
            } else {
                kept.add(item);
            }
        }
        kept.addAll(latestAck.values());
        if (newestOffer != null) {
            kept.add(newestOffer);
        }
        return kept;
    }

    private final class Link {
        final String peer;
        final BlockingQueue<Message> queue = new LinkedBlockingQueue<>(QUEUE_LIMIT);
        final Thread thread;

        Link(String peer) {
            this.peer = peer;
            // A platform thread, as PeerConnection's reader: a virtual one waits for a free carrier, and requests
            // streaming a large store can hold every carrier past the failure-detection time (heartbeats and
            // acknowledgements then go out late and a healthy backup is declared unreachable).
            this.thread = Thread.ofPlatform().daemon().name("to-node-" + peer).start(this::run);
        }

        private void run() {
            List<Message> batch = new ArrayList<>();
            try {
                while (!closed) {
                    try {
                        batch.add(queue.take());
                    } catch (InterruptedException e) {
                        return;
                    }
                    queue.drainTo(batch, BATCH_LIMIT - 1);
                    try {
                        post(batch);
                    } catch (RuntimeException | OutOfMemoryError e) {
                        // The link must outlive any one bad batch: a dead thread would silence this peer for good.
                        LOG.log(System.Logger.Level.ERROR, "sending to node " + peer + " failed", e);
                    }
                    batch.clear();
                }
            } finally {
                // A platform thread ignores close()'s interrupt while it connects: a connection made after
                // close() closed the last one is closed here.
                closeConnection();
            }
        }

        private volatile PeerConnection connection; // this link's thread sets it; close() closes it
        private String lastTlsFailure;     // the last TLS failure said, until a connection fails otherwise

        private void post(List<Message> batch) {
            String address = addressOf.get(peer);
            if (address == null) {
                LOG.log(System.Logger.Level.DEBUG, "no address known for node {0}; dropping {1} messages",
                        peer, batch.size());
                unreachable.accept(peer);
                return;
            }
            byte[] body = MessageCodec.encode(coalesce(batch));
            String returnAddress = addressOf.get(self);
            try {
                // A new connection also when this node learned (or changed) where it listens: the header that
                // tells the peer is the connection's.
                if (connection == null || connection.isStale() || !connection.address().equals(address)
                        || !java.util.Objects.equals(connection.returnAddress(), returnAddress)) {
                    if (connection != null) {
                        connection.close();
                    }
                    connection = new PeerConnection(peer, address, source, tls, token, self, returnAddress);
                }
                connection.send(body);
                lastTlsFailure = null;
            } catch (IOException e) {
                if (e instanceof javax.net.ssl.SSLException && !e.toString().equals(lastTlsFailure)) {
                    // A certificate that does not fit (another authority, an address it does not name, expired)
                    // fails every connection alike: said once, not at every retry, and not only at DEBUG.
                    LOG.log(System.Logger.Level.WARNING, "TLS with node {0} at {1} failed: {2}", peer, address,
                            e.toString());
                }
                lastTlsFailure = e instanceof javax.net.ssl.SSLException ? e.toString() : null;
                LOG.log(System.Logger.Level.DEBUG, "node {0} at {1} unreachable: {2}", peer, address, e.toString());
                if (connection != null) {
                    connection.close();
                    connection = null;
                }
                unreachable.accept(peer);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        void closeConnection() {
            PeerConnection c = connection;
            if (c != null) {
                c.close();
            }
        }
    }
}
