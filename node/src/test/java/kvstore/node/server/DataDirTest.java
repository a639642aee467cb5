package kvstore.node.server;

import kvstore.core.ReplicaConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A node with a data directory ({@code ./kv node --data-dir DIR}): every node of a cluster stopped and started
 * again with its directory comes back with every acknowledged write and with the retry horizon of its answers;
 * one directory serves one node.
 */
class DataDirTest {
    @TempDir
    Path dirs;

    private NodeConfig config(long id, int port) {
        return new NodeConfig(id, "127.0.0.1", port, null, Duration.ofMillis(5), ReplicaConfig.defaults(),
                NodeConfig.Start.NEW_CLUSTER, System.nanoTime(), null, dirs.resolve("node-" + id), null,
                Long.MAX_VALUE, EdgePolicy.defaults());
    }

    private static String view(List<KvNode> nodes, long epoch) {
        StringBuilder members = new StringBuilder();
        for (KvNode n : nodes) {
            members.append(members.isEmpty() ? "" : ",").append("{\"id\":").append(n.id()).append(",\"address\":\"")
                    .append(n.address()).append("\"}");
        }
        return "{\"view\":[" + members + "],\"primary\":" + nodes.getFirst().id() + ",\"epoch\":" + epoch + "}";
    }

    private static void install(List<KvNode> nodes, long epoch) {
        for (KvNode n : nodes) {
            assertEquals(200, Http.send("PUT", n.address(), "/view", view(nodes, epoch)).status());
        }
    }

    @Test
    void everyNodeStoppedAndStartedAgainKeepsEveryAcknowledgedWrite() throws java.io.IOException {
        List<KvNode> nodes = new ArrayList<>();
        for (long id = 1; id <= 3; id++) {
            nodes.add(KvNode.start(config(id, 0)));
        }
        install(nodes, 1);
        for (int i = 0; i < 30; i++) {
            assertEquals(201, Http.put(nodes.getFirst().address(), "k" + i, "v" + i).status());
        }
        assertEquals(201, Http.send("PUT", nodes.get(1).address(), "/data/fresh", Http.valueBody("once"),
                "Idempotency-Key", "retry-me").status(), "created");
        List<Integer> ports = nodes.stream().map(KvNode::port).toList();
        nodes.forEach(KvNode::close);

        List<KvNode> again = new ArrayList<>();
        for (long id = 1; id <= 3; id++) {
            again.add(KvNode.start(config(id, ports.get((int) id - 1))));
        }
        try {
            install(again, 2);
            for (int i = 1; i < 30; i++) {
                assertEquals("v" + i, Http.send("GET", again.get(2).address(), "/data/k" + i, null).body()
                        .path("value").asText(), "k" + i);
            }
            assertEquals(201, Http.send("PUT", again.get(1).address(), "/data/fresh", Http.valueBody("once"),
                    "Idempotency-Key", "retry-me").status(), "the retry gets the first answer (applied again, it "
                    + "would update: 200)");
            assertEquals("once", Http.send("GET", again.getFirst().address(), "/data/fresh", null).body()
                    .path("value").asText());
            assertTrue(Files.list(dirs.resolve("node-1")).anyMatch(p -> p.getFileName().toString()
                    .startsWith("wal-")), "the log is in the directory");
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(5)).until(() -> new String(
                    Http.send("GET", again.getFirst().address(), "/metrics", null).bytes(),
                    java.nio.charset.StandardCharsets.UTF_8).matches(
                    "(?s).*\\nkv_log_bytes\\{node=\"1\",[^}]*} [1-9][0-9.E]*\\n.*"));
        } finally {
            again.forEach(KvNode::close);
        }
    }

    @Test
    void aDirectoryServesOneNodeOnly() {
        try (KvNode first = KvNode.start(config(1, 0))) {
            RuntimeException e = assertThrows(RuntimeException.class, () -> KvNode.start(config(1, 0)));
            assertTrue(e.getMessage().contains("another process uses this data directory"), e.getMessage());
            assertEquals(200, Http.send("GET", first.address(), "/ping", null).status(), "the first one runs on");
        }
    }
}
