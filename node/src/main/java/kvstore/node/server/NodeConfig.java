package kvstore.node.server;

import kvstore.node.core.ReplicaConfig;

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
 * @param founding    this node starts a new cluster and may lead with an empty store; false for a node that
 *                    restarts or joins an existing cluster (it must be synced before it may lead)
 * @param incarnation which life of the node this is; must grow with every restart (the start time does)
 * @param peerSource  the local address outgoing node-to-node connections come from, or null for the system's
 *                    choice. The Jepsen-style harness gives each node its own loopback address (127.0.0.x) so its
 *                    fault-injecting proxies can tell senders apart and cut links between chosen pairs.
 */
public record NodeConfig(long id, String host, int port, String token, Duration tick, ReplicaConfig replica,
                         boolean founding, long incarnation, String peerSource) {

    public NodeConfig {
        if (id <= 0) {
            throw new IllegalArgumentException("a node id is a positive integer, not " + id);
        }
    }

    public static NodeConfig of(long id, int port) {
        return new NodeConfig(id, "127.0.0.1", port, null, Duration.ofMillis(10), ReplicaConfig.defaults(), true,
                System.currentTimeMillis(), null);
    }

    public NodeConfig withToken(String t) {
        return new NodeConfig(id, host, port, t, tick, replica, founding, incarnation, peerSource);
    }

    public NodeConfig withTick(Duration t) {
        return new NodeConfig(id, host, port, token, t, replica, founding, incarnation, peerSource);
    }

    public NodeConfig joining() {
        return new NodeConfig(id, host, port, token, tick, replica, false, incarnation, peerSource);
    }

    public NodeConfig withHost(String h) {
        return new NodeConfig(id, h, port, token, tick, replica, founding, incarnation, peerSource);
    }

    public NodeConfig withPeerSource(String address) {
        return new NodeConfig(id, host, port, token, tick, replica, founding, incarnation, address);
    }

    /** For the harness's planted-bug runs only: a deliberately wrong protocol variant (see {@link Bug}). */
    public NodeConfig withPlantedBugs(java.util.Set<kvstore.node.core.Bug> bugs) {
        return new NodeConfig(id, host, port, token, tick, replica.withBugs(bugs), founding, incarnation,
                peerSource);
    }

    /**
     * How long an HTTP request waits for the core: past the core's own longest wait (a forwarded request), so the
     * core's "unavailable" answer normally comes first; this is only the backstop.
     */
    public Duration answerTimeout() {
        return tick.multipliedBy(replica.forwardTimeoutTicks() + 50L);
    }
}
