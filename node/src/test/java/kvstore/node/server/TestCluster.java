package kvstore.node.server;

import kvstore.core.ReplicaConfig;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Real nodes on loopback, each on a free port, in this JVM. Views are installed through PUT /view as an operator
 * would. Ticks are 5 ms, so a write that cannot be replicated gets its 503 after about 1 s.
 */
final class TestCluster implements AutoCloseable {
    static final Duration TICK = Duration.ofMillis(5);
    static final ReplicaConfig TIMEOUTS = new ReplicaConfig(200, 4, 300, 100, java.util.Set.of());
    private static final AtomicLong INCARNATIONS = new AtomicLong(System.currentTimeMillis());

    private final Map<Long, KvNode> nodes = new TreeMap<>();
    private final Map<Long, Integer> ports = new TreeMap<>(); // a stopped server no longer knows its port
    private final String token;
    private final long storeQuota;

    private TestCluster(String token, long storeQuota) {
        this.token = token;
        this.storeQuota = storeQuota;
    }

    static TestCluster start(int n) {
        return start(n, null, NodeConfig.Start.NEW_CLUSTER);
    }

    /** Nodes started as `./kv node` starts them by default: not told whether the cluster is new. */
    static TestCluster startDetecting(int n) {
        return start(n, null, NodeConfig.Start.DETECT);
    }

    private static TestCluster start(int n, String token, NodeConfig.Start start) {
        return start(n, token, start, Long.MAX_VALUE);
    }

    private static TestCluster start(int n, String token, NodeConfig.Start start, long storeQuota) {
        TestCluster cluster = new TestCluster(token, storeQuota);
        for (long id = 1; id <= n; id++) {
            cluster.started(id, KvNode.start(cluster.config(id, start)));
        }
        return cluster;
    }

    /** Like {@link #startWithView}, with a cluster token on every node (and on every PUT /view it sends). */
    static TestCluster startWithToken(int n, String token) {
        TestCluster cluster = start(n, token, NodeConfig.Start.NEW_CLUSTER);
        cluster.installView(cluster.ids());
        return cluster;
    }

    /** Like {@link #startWithView}, every node's store limited to {@code bytes} (NodeConfig.storeQuota). */
    static TestCluster startWithQuota(int n, long bytes) {
        TestCluster cluster = start(n, null, NodeConfig.Start.NEW_CLUSTER, bytes);
        cluster.installView(cluster.ids());
        return cluster;
    }

    /** A cluster of n nodes with the view of all n installed on each (node 1 primary), every backup synced. */
    static TestCluster startWithView(int n) {
        TestCluster cluster = start(n);
        cluster.installView(cluster.ids());
        return cluster;
    }

    private NodeConfig config(long id, NodeConfig.Start start) {
        return new NodeConfig(id, "127.0.0.1", 0, token, TICK, TIMEOUTS, start, INCARNATIONS.incrementAndGet(),
                null, null, null, storeQuota, EdgePolicy.defaults());
    }

    long[] ids() {
        return nodes.keySet().stream().mapToLong(Long::longValue).toArray();
    }

    String address(long id) {
        return nodes.get(id).address();
    }

    KvNode node(long id) {
        return nodes.get(id);
    }

    /** The prototype's view document listing these nodes. */
    String viewDocument(long... members) {
        return Http.viewDocument(this::address, members);
    }

    /** PUTs the view of {@code members} to each of them, then waits until every backup is synced. */
    void installView(long... members) {
        putView(viewDocument(members), members);
        awaitSynced(members);
    }

    /** PUTs a view document to each of {@code targets}, expecting each to take it. */
    void putView(String doc, long... targets) {
        for (long id : targets) {
            Http.Response r = Http.send("PUT", address(id), "/view", doc, tokenHeader());
            assertEquals(200, r.status(), () -> "node " + id + " refused the view: " + r);
        }
    }

    String[] tokenHeader() {
        return token == null ? new String[0] : new String[]{"X-Cluster-Token", token};
    }

    void awaitSynced(long... members) {
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            for (long id : members) {
                assertEquals(true, Http.send("GET", address(id), "/view", null).body().path("synced").asBoolean(),
                        "node " + id + " synced");
            }
        });
    }

    /** Stops a node: its process, in effect, is gone with everything it held. */
    void stop(long id) {
        nodes.get(id).close();
    }

    /** Starts a stopped node again, empty, as a node that joins an existing cluster (on a new port). */
    KvNode restart(long id) {
        return restart(id, NodeConfig.Start.JOIN);
    }

    /** Starts a stopped node again, empty, on a new port, knowing what {@code start} says about the cluster. */
    KvNode restart(long id, NodeConfig.Start start) {
        return started(id, KvNode.start(config(id, start)));
    }

    private KvNode started(long id, KvNode node) {
        nodes.put(id, node);
        ports.put(id, node.port());
        return node;
    }

    /** Starts a stopped node again, empty, as a node that joins an existing cluster, on the port it had. */
    KvNode restartOnSamePort(long id) {
        NodeConfig c = config(id, NodeConfig.Start.JOIN);
        return started(id, KvNode.start(new NodeConfig(id, c.host(), ports.get(id), c.token(), c.tick(),
                c.replica(), c.start(), c.incarnation(), c.peerSource(), null, c.tls(),
                c.storeQuota(), c.edge())));
    }

    List<String> addresses(long... ids) {
        List<String> out = new ArrayList<>();
        Arrays.stream(ids).forEach(id -> out.add(address(id)));
        return out;
    }

    @Override
    public void close() {
        nodes.values().forEach(KvNode::close);
    }
}
