package kvstore.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import kvstore.node.server.KvNode;
import kvstore.node.server.NodeConfig;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.StringJoiner;
import java.util.TreeMap;

import static org.awaitility.Awaitility.await;

/** Real nodes in this JVM on loopback, with views installed through PUT /view as an operator would. */
final class LocalCluster implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final Map<Long, KvNode> nodes = new TreeMap<>();
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    /** {@code n} nodes, the view of all of them installed (node 1 primary) and every backup synced. */
    static LocalCluster withView(int n) {
        LocalCluster cluster = new LocalCluster();
        long[] ids = new long[n];
        for (int i = 1; i <= n; i++) {
            cluster.nodes.put((long) i, KvNode.start(NodeConfig.of(i, 0).withTick(Duration.ofMillis(5))));
            ids[i - 1] = i;
        }
        cluster.install(ids);
        return cluster;
    }

    String address(long id) {
        return nodes.get(id).address();
    }

    String[] addresses() {
        return nodes.values().stream().map(KvNode::address).toArray(String[]::new);
    }

    /** PUTs the view of {@code members} (the first one primary) to each, and waits until all are synced. */
    void install(long... members) {
        StringJoiner list = new StringJoiner(", ", "{\"view\": [", "]}");
        for (long id : members) {
            list.add("{\"address\": \"" + address(id) + "\", \"id\": " + id + "}");
        }
        for (long id : members) {
            send("PUT", id, "/view", list.toString());
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            for (long id : members) {
                if (!send("GET", id, "/view", null).path("synced").asBoolean()) {
                    return false;
                }
            }
            return true;
        });
    }

    /** How many operations the node has applied: each write applied once moves it by one. */
    long applied(long id) {
        return send("GET", id, "/view/state", null).path("applied").asLong();
    }

    void stop(long id) {
        nodes.get(id).close();
    }

    JsonNode send(String method, long id, String path, String body) {
        HttpRequest.Builder r = HttpRequest.newBuilder(URI.create("http://" + address(id) + path))
                .timeout(Duration.ofSeconds(5))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        try {
            return JSON.readTree(http.send(r.build(), HttpResponse.BodyHandlers.ofString()).body());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        nodes.values().forEach(KvNode::close);
        http.close();
    }
}
