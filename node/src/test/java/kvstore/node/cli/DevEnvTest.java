package kvstore.node.cli;

import kvstore.node.server.KvNode;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What `./kv devenv` sets up: N nodes with the view of all N, node 1 primary, ready for a write anywhere. */
class DevEnvTest {
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    private static HttpResponse<String> send(String method, String address, String path, String body)
            throws Exception {
        HttpRequest.Builder r = HttpRequest.newBuilder(URI.create("http://" + address + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            r.header("Content-Type", "application/json");
        }
        return HTTP.send(r.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void startsAClusterWithTheViewOfAllNodesInstalled() throws Exception {
        List<KvNode> nodes = DevEnv.startCluster(3, 0, null);
        try {
            assertEquals(3, nodes.size());
            assertTrue(send("GET", nodes.get(0).address(), "/view", null).body().contains("\"role\":\"primary\""));
            for (KvNode node : nodes.subList(1, 3)) {
                assertTrue(send("GET", node.address(), "/view", null).body().contains("\"role\":\"backup\""));
            }
            assertEquals(201, send("PUT", nodes.get(2).address(), "/data/hello", "{\"value\": \"world\"}")
                    .statusCode());
            assertEquals("{\"value\":\"world\"}", send("GET", nodes.get(1).address(), "/data/hello", null).body());
        } finally {
            nodes.forEach(KvNode::close);
        }
    }

    @Test
    void aPortInUseIsOneClearErrorAndNothingIsLeftRunning() {
        List<KvNode> first = DevEnv.startCluster(1, 0, null);
        try {
            int taken = first.get(0).port();
            Starting.StartFailure e = assertThrows(Starting.StartFailure.class,
                    () -> DevEnv.startCluster(2, taken - 1, null));
            assertTrue(e.getMessage().contains("cannot start node 2"), e.getMessage());
        } finally {
            first.forEach(KvNode::close);
        }
    }
}
