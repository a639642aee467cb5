package kvstore.node.server;

import kvstore.core.ReplicaConfig;

import java.time.Duration;

/**
 * How to run one node.
 *
 * @param id          the node's id in view documents (the prototype's NODE_IDENTIFIER)
 * @param host        the address to listen on (loopback unless told otherwise)
 * @param port        the port; 0 picks a free one
 * @param token       the cluster token, or null for none
 * @param tick        how often the core's clock ticks; its timeouts are counted in ticks
 * @param replica     the core's timeouts, in ticks
 * @param start       whether this node may lead while its store is empty (see {@link Start})
 * @param incarnation which life of the node this is; must grow with every restart (the start time does)
 * @param peerSource  the local address outgoing node-to-node connections come from, or null for the system's
 *                    choice. The Jepsen-style harness gives each node its own loopback address (127.0.0.x) so its
 *                    fault-injecting proxies can tell senders apart and cut links between chosen pairs.
 * @param dataDir     where the node keeps its state (write-ahead log and snapshots), or null to keep it in memory
 *                    only (a crash of every node at once then loses everything)
 * @param tls         the node's certificate, key and cluster authority: it serves only over TLS and connects to its
 *                    peers over TLS; null: plain HTTP
 * @param storeQuota  the most bytes of keys and values the store may hold (as the core counts them): past it, a
 *                    write that would grow the store is refused with 507 (see {@code Replica.limitStore});
 *                    {@link Long#MAX_VALUE}: none
 * @param edge        what the HTTP edge allows a client: connections, and time to send a request
 */
public record NodeConfig(long id, String host, int port, String token, Duration tick, ReplicaConfig replica,
                         Start start, long incarnation, String peerSource, java.nio.file.Path dataDir,
                         kvstore.node.tls.TlsFiles tls, long storeQuota, EdgePolicy edge) {

    /** What a node knows, at start, about the cluster it is part of. */
    public enum Start {
        /** A brand-new cluster (devenv, tests): the node may lead with its empty store. */
        NEW_CLUSTER,
        /**
         * Not known (the default of {@code ./kv node}): when a view makes the node primary before it has ever
         * been synced, it asks the view's other members, and leads only if none of them has ever held state.
         */
        DETECT,
        /** Restarting or joining an existing cluster ({@code --join}): never leads before it has been synced. */
        JOIN
    }

    public NodeConfig {
        if (!ViewDocument.isNodeId(String.valueOf(id))) {
            throw new IllegalArgumentException("a node id is an integer from 0 to 999999999999999999, not " + id);
        }
        if (token != null && !isToken(token)) {
            throw new IllegalArgumentException("a cluster token is one or more visible ASCII characters (it travels "
                    + "in an HTTP header)");
        }
    }

    /** Whether {@code s} may be a cluster token: one or more visible ASCII characters (it travels in an HTTP header). */
    public static boolean isToken(String s) {
        return !s.isEmpty() && s.chars().allMatch(ch -> ch > 0x20 && ch < 0x7f);
    }

    public static NodeConfig of(long id, int port) {
        return new NodeConfig(id, "127.0.0.1", port, null, Duration.ofMillis(10), ReplicaConfig.defaults(),
                Start.NEW_CLUSTER, System.currentTimeMillis(), null, null, null, defaultStoreQuota(),
                EdgePolicy.defaults());
    }

    public NodeConfig withToken(String t) {
        return new NodeConfig(id, host, port, t, tick, replica,
                start, incarnation, peerSource, dataDir, tls, storeQuota, edge);
    }

    public NodeConfig withTick(Duration t) {
        return new NodeConfig(id, host, port, token, t, replica,
                start, incarnation, peerSource, dataDir, tls, storeQuota, edge);
    }

    public NodeConfig withStart(Start s) {
        return new NodeConfig(id, host, port, token, tick, replica,
                s, incarnation, peerSource, dataDir, tls, storeQuota, edge);
    }

    public NodeConfig withHost(String h) {
        return new NodeConfig(id, h, port, token, tick, replica,
                start, incarnation, peerSource, dataDir, tls, storeQuota, edge);
    }

    public NodeConfig withPeerSource(String address) {
        return new NodeConfig(id, host, port, token, tick, replica,
                start, incarnation, address, dataDir, tls, storeQuota, edge);
    }

    public NodeConfig withDataDir(java.nio.file.Path dir) {
        return new NodeConfig(id, host, port, token, tick, replica,
                start, incarnation, peerSource, dir, tls, storeQuota, edge);
    }

    public NodeConfig withTls(kvstore.node.tls.TlsFiles files) {
        return new NodeConfig(id, host, port, token, tick, replica,
                start, incarnation, peerSource, dataDir, files, storeQuota, edge);
    }

    public NodeConfig withStoreQuota(long bytes) {
        return new NodeConfig(id, host, port, token, tick, replica,
                start, incarnation, peerSource, dataDir, tls, bytes, edge);
    }

    public NodeConfig withEdge(EdgePolicy limits) {
        return new NodeConfig(id, host, port, token, tick, replica,
                start, incarnation, peerSource, dataDir, tls, storeQuota, limits);
    }

    /**
     * The store's quota unless told otherwise: two fifths of the most heap this JVM may use, so that the store, the
     * log and results kept for catch-up and retries, and the copies in flight fit beside it (a write past the quota
     * is refused with 507 rather than the node running out of memory).
     */
    public static long defaultStoreQuota() {
        long heap = Runtime.getRuntime().maxMemory();
        return heap == Long.MAX_VALUE ? Long.MAX_VALUE : heap / 5 * 2;
    }

    /** How clients reach this node: {@code https} with TLS, {@code http} without. */
    public String scheme() {
        return tls == null ? "http" : "https";
    }

    /** For the harness's planted-bug runs only: a deliberately wrong protocol variant (see {@link Bug}). */
    public NodeConfig withPlantedBugs(java.util.Set<kvstore.core.Bug> bugs) {
        return new NodeConfig(id, host, port, token, tick, replica.withBugs(bugs), start, incarnation,
                peerSource, dataDir, tls, storeQuota, edge);
    }

    /**
     * How long an HTTP request waits for the core: past the core's own longest wait (a forwarded request), so the
     * core's "unavailable" answer normally comes first; this is only the backstop.
     */
    public Duration answerTimeout() {
        return tick.multipliedBy(replica.forwardTimeoutTicks() + 50L);
    }
}
