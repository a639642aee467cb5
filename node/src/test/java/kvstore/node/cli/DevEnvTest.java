package kvstore.node.cli;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What `./kv devenv` sets up, as the README shows it: node processes with a failover controller that heals a
 * killed primary by itself; the operator's single view with --no-controller; one clear error for a taken port.
 */
@Tag("processes") // real node processes: the integration-test phase (pom.xml)
class DevEnvTest {
    @org.junit.jupiter.api.io.TempDir
    java.nio.file.Path dataDirs;
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2)).build();

    private static HttpResponse<String> send(String method, String address, String path, String body) {
        HttpRequest.Builder r = HttpRequest.newBuilder(URI.create("http://" + address + path))
                .timeout(Duration.ofSeconds(5))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            r.header("Content-Type", "application/json");
        }
        try {
            return HTTP.send(r.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    private static int primaryIndex(DevEnv.LocalCluster cluster) {
        List<String> addresses = new ArrayList<>(cluster.addresses.values());
        for (int i = 0; i < addresses.size(); i++) {
            try {
                if (send("GET", addresses.get(i), "/view", null).body().contains("\"role\":\"primary\"")) {
                    return i;
                }
            } catch (IllegalStateException down) {
                // a killed node: not the primary
            }
        }
        return -1;
    }

    @Test
    void theControllerHealsAKilledPrimaryByItself() throws Exception {
        try (DevEnv.LocalCluster cluster = new DevEnv.LocalCluster()) {
            cluster.start(3, FreePorts.consecutive(3), null, "WARNING", true, dataDirs);
            List<String> addresses = new ArrayList<>(cluster.addresses.values());
            int primary = primaryIndex(cluster);
            assertTrue(primary >= 0, "the controller installed a first view");
            assertEquals(201, send("PUT", addresses.get(2), "/data/hello", "{\"value\": \"world\"}").statusCode());

            cluster.processes.get(primary).destroyForcibly().waitFor(); // kill -9
            String survivor = addresses.get((primary + 1) % 3);
            await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(20)).until(
                    () -> send("PUT", survivor, "/data/after", "{\"value\": \"x\"}").statusCode() / 100 == 2);
            assertEquals("{\"value\":\"world\"}", send("GET", survivor, "/data/hello", null).body());
            int next = primaryIndex(cluster);
            assertTrue(next >= 0 && next != primary, "a backup leads now");
            assertTrue(java.nio.file.Files.isDirectory(cluster.dataDir(1)), "each node keeps its state on disk");
        }
    }

    @Test
    void withoutAControllerTheViewOfAllNodesIsInstalledOnceWithTheTokenKeptOffTheCommandLine() throws Exception {
        String token = ClusterSecret.random();
        try (DevEnv.LocalCluster cluster = new DevEnv.LocalCluster()) {
            cluster.start(2, FreePorts.consecutive(2), token, "WARNING", false, null);
            List<String> addresses = new ArrayList<>(cluster.addresses.values());
            assertTrue(send("GET", addresses.get(0), "/view", null).body().contains("\"role\":\"primary\""));
            assertTrue(send("GET", addresses.get(1), "/view", null).body().contains("\"role\":\"backup\""));
            assertEquals(201, send("PUT", addresses.get(1), "/data/hello", "{\"value\": \"world\"}").statusCode());
            for (Process p : cluster.processes) { // what ps shows every user
                String commandLine = p.info().commandLine().orElseThrow();
                assertTrue(!commandLine.contains(token), commandLine);
            }
            String view = "{\"view\": [{\"address\": \"" + addresses.get(1) + "\", \"id\": 2}]}";
            assertEquals(401, send("PUT", addresses.get(1), "/view", view).statusCode(),
                    "the nodes got the token: an operator's view without it is refused");
            assertTrue(send("GET", addresses.get(0), "/view", null).body().contains("\"role\":\"primary\""));
        }
    }

    @Test
    void aNodeWithoutATokenRefusesToListenBeyondLoopback() throws Exception {
        ProcessBuilder builder = new ProcessBuilder(ProcessHandle.current().info().command().orElse("java"), "-cp",
                System.getProperty("java.class.path"), NodeMain.class.getName(), "--id", "1", "--port",
                String.valueOf(FreePorts.one()), "--host", "0.0.0.0").redirectErrorStream(true);
        builder.environment().remove(ClusterSecret.ENV);
        Process node = builder.start();
        String said = new String(node.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(node.waitFor(30, java.util.concurrent.TimeUnit.SECONDS), "it exits at once");
        assertEquals(2, node.exitValue(), said);
        assertTrue(said.contains("without a cluster token") && said.contains("--insecure"), said);
    }

    @Test
    void aPortInUseIsOneClearErrorAndNothingIsLeftRunning() throws Exception {
        int base = FreePorts.consecutive(2);
        try (ServerSocket taken = new ServerSocket(base + 1, 50, java.net.InetAddress.getLoopbackAddress());
             DevEnv.LocalCluster cluster = new DevEnv.LocalCluster()) {
            Starting.StartFailure e = assertThrows(Starting.StartFailure.class,
                    () -> cluster.start(2, base, null, "WARNING", true, null));
            assertTrue(e.getMessage().contains("node 2 exited"), e.getMessage());
            assertTrue(cluster.processes.stream().noneMatch(Process::isAlive), "every node process is stopped");
        }
    }
}
