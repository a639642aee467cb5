package kvstore.node.server;

import io.helidon.http.DirectHandler;
import io.helidon.http.HeaderValues;
import io.helidon.http.HttpException;
import io.helidon.http.Status;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.http.DirectHandlers;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.helidon.webserver.http1.Http1Config;
import io.helidon.webserver.http1.Http1ConnectionListener;
import kvstore.core.Replica;

import java.nio.charset.StandardCharsets;

/**
 * One running node: the replica core behind its {@link ReplicaHost}, served over Helidon 4 HTTP. Every request
 * runs on its own virtual thread and waits for the core's answer; the core itself stays on one thread.
 */
public final class KvNode implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(KvNode.class.getName());

    private final NodeConfig config;
    private final Peers peers;
    private final ReplicaHost host;
    private final kvstore.node.storage.DiskWriter disk; // null: in memory only
    private final WebServer server;
    private final ReadDeadlines deadlines;
    private final NodeObservability observability;
    // By default a node whose disk failed stops serving (it can no longer tell what is on its disk); the command
    // line also exits. Not on the storage thread, which closing waits for.
    private volatile java.util.function.Consumer<RuntimeException> onDiskFailure =
            e -> new Thread(this::close, "stop-node").start();
    // The core's loop stopped on an error of the virtual machine: the node stops serving (the command line exits).
    private volatile java.util.function.Consumer<VirtualMachineError> onCoreFailure =
            e -> new Thread(this::close, "stop-node").start();
    private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();

    private KvNode(NodeConfig config) {
        this.config = config;
        String self = String.valueOf(config.id());
        Replica replica = switch (config.start()) {
            case NEW_CLUSTER -> Replica.founding(self, config.incarnation(), config.replica());
            case JOIN -> new Replica(self, config.incarnation(), config.replica());
            case DETECT -> Replica.asking(self, config.incarnation(), config.replica());
        };
        if (config.tls() != null) {
            config.tls().requireNodeName(config.id());
        }
        ControllerAddresses controllers = new ControllerAddresses(config.edge().controllerHosts());
        replica.limitStore(config.storeQuota());
        this.peers = new Peers(self, config.token(), config.peerSource(),
                config.tls() == null ? null : config.tls().clientContext());
        this.disk = config.dataDir() == null ? null : recover(config, replica);
        this.host = disk == null ? new ReplicaHost(config.id(), replica, peers, config.tick())
                : new ReplicaHost(config.id(), replica, peers, config.tick(), disk::write);
        if (disk != null) {
            disk.start(host::persisted, e -> onDiskFailure.accept(e));
        }
        host.onFatal(e -> onCoreFailure.accept(e));
        ClusterToken token = new ClusterToken(config.token());
        this.deadlines = new ReadDeadlines("read-deadlines-" + config.id());

        this.observability = new NodeObservability(host, config.id(), config.tick(), config.dataDir());
        HttpRouting.Builder routing = HttpRouting.builder();
        // Helidon's own path check answers a bad %-escape with a bare "Bad Request"; ours names the problem. And it
        // resolves dot segments, which would route /data/../view to /view.
        routing.addFilter((chain, req, res) -> {
            String path = req.path().rawPathNoParams(); // before routing: a feature's routes see their own part
            try {
                KeyPath.checkEscapes(path);
                KeyPath.checkDotSegments(path);
            } catch (ApiError e) {
                sendError(req, res, e.status(), e.body(), e.endsConnection());
                endConnectionIfDue(req, res);
                return;
            }
            chain.proceed(); // a handler's exception is answered by the error handlers below, within this call
            try {
                observability.requestDone(req.prologue().method().text(), path, res.status().code());
            } catch (RuntimeException e) { // counting must never cost a request its connection handling
                LOG.log(System.Logger.Level.WARNING, "counting a request failed", e);
            }
            endConnectionIfDue(req, res);
        });
        routing.get("/ping", (req, res) -> Bodies.send(res, 200,
                Json.object().put("message", "Node " + config.id() + " is up.")));
        Bodies.Deadline bodies = new Bodies.Deadline(deadlines, config.edge().clientBody());
        new DataRoutes(host, config.id(), config.answerTimeout(), bodies, observability::operationDone)
                .register(routing);
        new ViewRoutes(host, config.id(), token, config.answerTimeout(), bodies).register(routing);
        new InternalRoutes(host, token, config.tls() != null, controllers).register(routing);
        routing.any(this::noSuchEndpoint);
        routing.error(ApiError.class, (req, res, e) -> sendError(req, res, e.status(), e.body(), e.endsConnection()));
        routing.error(HttpException.class, (req, res, e) -> sendError(req, res, e.status().code(),
                Json.object().put("error", e.getMessage()), false));
        // Out of memory in a request's own work (reading its body, writing its answer): a clear, retryable answer,
        // not Helidon's bare 500. The core is not involved (its own loop stops on such an error: ProcessLoop.step),
        // so nothing is half-applied; a write may have been applied before its answer failed, so nothing is promised.
        routing.error(OutOfMemoryError.class, (req, res, e) -> {
            LOG.log(System.Logger.Level.WARNING, "out of memory serving " + req.prologue());
            if (!res.isSent()) {
                sendError(req, res, 503, Json.object().put("error", "the node ran short of memory serving this "
                        + "request; retry (with an Idempotency-Key a retried write is applied once)")
                        .put("retryable", true), false);
            }
        });
        routing.error(Exception.class, (req, res, e) -> {
            LOG.log(System.Logger.Level.ERROR, "unexpected failure serving " + req.prologue(), e);
            sendError(req, res, 500, Json.object().put("error", "internal error: " + e), false);
        });

        DirectHandlers.Builder direct = DirectHandlers.builder();
        for (DirectHandler.EventType type : DirectHandler.EventType.values()) {
            direct.addHandler(type, KvNode::jsonDirectResponse);
        }
        WebServerConfig.Builder server = WebServer.builder();
        if (config.tls() != null) {
            server.tls(config.tls().server());
        }
        this.server = server
                .host(config.host())
                .port(config.port())
                .shutdownHook(false) // the command line stops nodes itself, in order
                .maxPayloadSize(Bodies.INTERNAL_LIMIT)
                // Small request/response pairs are the whole protocol: without TCP_NODELAY, Nagle's algorithm and
                // delayed acknowledgements added ~9 ms to every hop between nodes (a write took ~20 ms, not ~3).
                .connectionOptions(o -> o.tcpNoDelay(true))
                // Long keys fit in the request line; paths are decoded by KeyPath, which names what is wrong with them.
                // Only this HTTP/1 configuration: with the one service discovery adds beside it, an HTTP/1.0 request
                // or a bare-LF line got the connection closed without an answer instead of 505 or 400.
                .protocolsDiscoverServices(false)
                .addProtocol(Http1Config.builder().maxPrologueLength(16 * 1024).validatePath(false)
                        .addReceiveListener(headerDeadline(deadlines, config.edge().headers()))
                        .build())
                // Bounded: connections past the limit wait in the listen backlog; a connection idle (or sending
                // nothing of its next request line) this long is closed.
                .maxTcpConnections(config.edge().maxConnections())
                .idleConnectionTimeout(config.edge().idleConnection())
                .idleConnectionPeriod(min(java.time.Duration.ofSeconds(5), config.edge().idleConnection()))
                .directHandlers(direct.build())
                // /metrics and /health from Helidon's observers; none found on the class path besides
                .featuresDiscoverServices(false)
                .addFeature(observability.feature())
                .routing(routing)
                .build();
    }

    private static java.time.Duration min(java.time.Duration a, java.time.Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    /**
     * Gives a client {@code limit} from the end of its request line to the end of its headers: Helidon bounds the
     * wait for a request line only (docs/http-edge.md). It must stay the only receive listener: Helidon 4.5's
     * composite of several passes prologue and headers events to none of them.
     */
    private static Http1ConnectionListener headerDeadline(ReadDeadlines deadlines, java.time.Duration limit) {
        return new Http1ConnectionListener() {
            @Override
            public void prologue(io.helidon.webserver.ConnectionContext ctx, io.helidon.http.HttpPrologue prologue) {
                deadlines.start("headers", limit);
            }

            @Override
            public void headers(io.helidon.webserver.ConnectionContext ctx, io.helidon.http.Headers headers) {
                if (!deadlines.finishOwn()) { // cut off as the last bytes came: the connection must end
                    throw new io.helidon.webserver.CloseConnectionException("the client sent its headers too slowly");
                }
            }
        };
    }

    /**
     * Ends the connection once the answer is sent, if the client asked ({@code Connection: close}: Helidon 4.5 sends
     * the header back but keeps reading the connection, docs/http-edge.md), if the answer said so, or if the request's
     * body was not read to its end: Helidon would read the rest itself before the next request, with no deadline, so
     * a client could drip a refused body (a 413, a 401) for as long as it liked.
     */
    private static void endConnectionIfDue(ServerRequest req, ServerResponse res) {
        if (req.headers().containsToken(HeaderValues.CONNECTION_CLOSE)
                || res.headers().contains(HeaderValues.CONNECTION_CLOSE) || bodyUnread(req)) {
            throw new io.helidon.webserver.CloseConnectionException("the connection ends with this answer");
        }
    }

    /** How long the node reads and drops what is left of a body it refused before it closes the connection. */
    static final java.time.Duration LINGER = java.time.Duration.ofSeconds(2);

    /**
     * Reads and drops the rest of a refused body, for at most {@link #LINGER}, as nginx's lingering close does:
     * closing a socket with unread bytes makes TCP reset the connection, and the client may lose the answer it was
     * sent (a 413 for a large body, say) before it reads it.
     */
    private void lingerOver(ServerRequest req) {
        ReadDeadlines.Read linger = deadlines.start("unread body", LINGER);
        try {
            req.content().consume();
        } catch (RuntimeException e) {
            // too large for Helidon, malformed, or cut off by the linger deadline: the connection ends anyway
        } finally {
            linger.finish();
        }
    }

    private static boolean bodyUnread(ServerRequest req) {
        return req.content().hasEntity() && !req.content().consumed();
    }

    /**
     * An error's answer; it tells the client the connection ends if it will ({@link #endConnectionIfDue}). A body
     * refused without being read is read and dropped after the answer ({@link #lingerOver}); one that could not be
     * read ({@code endsConnection}: its framing is broken) is not.
     */
    private void sendError(ServerRequest req, ServerResponse res, int status,
                           com.fasterxml.jackson.databind.node.ObjectNode body, boolean endsConnection) {
        boolean refusedUnread = !endsConnection && bodyUnread(req);
        if (endsConnection || refusedUnread) {
            res.header(HeaderValues.CONNECTION_CLOSE);
        }
        Bodies.send(res, status, body);
        if (refusedUnread) {
            lingerOver(req);
        }
    }

    /** Operations between two snapshots of the state (each a copy of the whole store, written whole). */
    static final int SNAPSHOT_EVERY = 100_000;

    /**
     * Rebuilds the replica from its data directory (nothing, the first time) and starts the storage thread.
     *
     * @throws kvstore.core.storage.CorruptStorage naming the file and offset the directory cannot prove
     */
    private static kvstore.node.storage.DiskWriter recover(NodeConfig config, Replica replica) {
        kvstore.node.storage.FileDisk files = new kvstore.node.storage.FileDisk(config.dataDir());
        kvstore.core.storage.ReplicaStore.Opened opened;
        try {
            opened = kvstore.core.storage.ReplicaStore.open(files, kvstore.core.storage.ReplicaStore.SEGMENT_BYTES);
        } catch (RuntimeException e) {
            files.close();
            throw e;
        }
        try {
            replica.keepOnDisk(SNAPSHOT_EVERY);
            replica.recover(opened.recovery().snapshot(), opened.recovery().records());
        } catch (RuntimeException e) {
            files.close();
            throw e;
        }
        opened.recovery().problems().forEach(p -> LOG.log(System.Logger.Level.WARNING, "passed over: " + p));
        LOG.log(System.Logger.Level.INFO, "node {0}: {1} in {2}", config.id(), opened.recovery().isEmpty()
                ? "nothing recorded yet" : "recovered position " + replica.appliedSeq() + ", last synced in view "
                + replica.syncedView(), config.dataDir());
        return new kvstore.node.storage.DiskWriter("disk-" + config.id(), opened.store(), files);
    }

    /**
     * What to do when the data directory fails (a write or fsync error), instead of only closing the node: it can
     * no longer tell what is on its disk, so it must stop; the command line exits, and a restart reads back what is
     * really there. Called on the storage thread, which must be let go (closing the node waits for it).
     */
    public void onDiskFailure(java.util.function.Consumer<RuntimeException> action) {
        this.onDiskFailure = action;
    }

    /**
     * What to do when the core's loop stopped on an error of the virtual machine (out of memory), instead of only
     * closing the node: its state in memory may be half-changed, so it must not serve again. Called on the loop
     * thread, which must be let go.
     */
    public void onCoreFailure(java.util.function.Consumer<VirtualMachineError> action) {
        this.onCoreFailure = action;
    }

    /** Starts a node and returns once it listens. */
    public static KvNode start(NodeConfig config) {
        KvNode node = new KvNode(config);
        node.server.start();
        if (!node.server.isRunning() || node.server.port() <= 0) {
            // Helidon logs a failed bind and returns; a node that does not listen must not look started.
            node.close();
            throw new IllegalStateException("could not listen on " + config.host() + ":" + config.port()
                    + " (is the port in use?)");
        }
        LOG.log(System.Logger.Level.INFO, "node {0} listening on {1}", config.id(), node.address());
        return node;
    }

    public long id() {
        return config.id();
    }

    /** Where the node keeps its state (null: in memory only). */
    public java.nio.file.Path dataDir() {
        return config.dataDir();
    }

    public int port() {
        return server.port();
    }

    /** How clients reach this node: {@code https} over TLS, else {@code http}. */
    public String scheme() {
        return config.scheme();
    }

    /** host:port, as view documents name it. */
    public String address() {
        return config.host() + ":" + port();
    }

    ReplicaHost host() {
        return host;
    }

    @Override
    public void close() {
        if (closed.getAndSet(true)) {
            return;
        }
        server.stop();
        observability.close();
        deadlines.close();
        host.close();
        peers.close();
        if (disk != null) {
            disk.close();
        }
    }

    private void noSuchEndpoint(ServerRequest req, ServerResponse res) {
        String path = req.path().rawPathNoParams();
        if (NodeObservability.observes(path)) {
            res.next(); // Helidon's observers, routed after this catch-all
            return;
        }
        if (path.equals("/data/")) {
            throw new ApiError(400, "the key is empty; use /data/<key>");
        }
        boolean known = path.equals("/data") || path.startsWith("/data/") || path.equals("/view")
                || path.equals("/ping") || path.equals("/internal/messages");
        if (known) {
            sendError(req, res, 405, Json.object().put("error", "method " + req.prologue().method().text()
                    + " is not allowed on " + path), false);
        } else {
            sendError(req, res, 404, Json.object().put("error", "no such endpoint: " + path
                    + " (see docs/api.md)"), false);
        }
    }

    /** Errors Helidon answers before routing (bad request line, oversize body...): JSON like every other error. */
    private static DirectHandler.TransportResponse jsonDirectResponse(DirectHandler.TransportRequest request,
            DirectHandler.EventType type, Status status, io.helidon.http.ServerResponseHeaders headers,
            String message) {
        String body = Json.write(Json.object().put("error", message == null || message.isBlank()
                ? status.reasonPhrase() : message));
        return DirectHandler.TransportResponse.builder()
                .status(status)
                .headers(headers)
                .header(HeaderValues.CONTENT_TYPE_JSON)
                .entity(body.getBytes(StandardCharsets.UTF_8))
                .keepAlive(type.keepAlive())
                .build();
    }
}
