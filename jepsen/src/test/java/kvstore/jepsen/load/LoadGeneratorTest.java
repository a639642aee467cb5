package kvstore.jepsen.load;

import kvstore.node.cli.FreePorts;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.StringJoiner;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The load generator against three real node processes: it must complete operations without errors and report
 * ordered percentiles. (Not a speed test: the figures are measured by ./kv bench-etcd, not asserted.)
 */
@Tag("processes") // real node processes: the integration-test phase (pom.xml)
class LoadGeneratorTest {

    @Test
    void drivesARealClusterWithoutErrors() throws Exception {
        Path jar = Path.of(System.getProperty("kvstore.node.jar", "../node/target/node.jar"));
        assertTrue(Files.isRegularFile(jar), "no " + jar.toAbsolutePath() + ": run the whole build (./kv test)");
        List<Process> nodes = new ArrayList<>();
        try (HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()) {
            List<String> addresses = new ArrayList<>();
            for (int id = 1; id <= 3; id++) {
                int port = FreePorts.one();
                addresses.add("127.0.0.1:" + port);
                ProcessBuilder node = new ProcessBuilder(ProcessHandle.current().info().command().orElseThrow(), "-cp",
                        jar.toString(), "kvstore.node.cli.NodeMain", "--id", String.valueOf(id), "--port",
                        String.valueOf(port), "--log-level", "WARNING", "--exit-with-parent",
                        String.valueOf(ProcessHandle.current().pid()))
                        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD);
                node.environment().remove("CLUSTER_TOKEN"); // this test sends no token
                nodes.add(node.start());
            }
            StringJoiner view = new StringJoiner(", ", "{\"view\": [", "]}");
            for (int i = 0; i < 3; i++) {
                view.add("{\"address\": \"" + addresses.get(i) + "\", \"id\": " + (i + 1) + "}");
            }
            for (String address : addresses) {
                await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> http.send(
                        HttpRequest.newBuilder(URI.create("http://" + address + "/ping")).build(),
                        HttpResponse.BodyHandlers.ofString()).statusCode() == 200);
            }
            for (String address : addresses) {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://" + address + "/view"))
                        .header("Content-Type", "application/json")
                        .PUT(HttpRequest.BodyPublishers.ofString(view.toString())).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertEquals(200, r.statusCode(), r.body());
            }
            for (boolean library : new boolean[]{false, true}) {
                LoadGenerator.Result result = LoadGenerator.run(new LoadGenerator.Settings(Target.named("kvstore"),
                        "kvstore", addresses, 4, 50, 50, 20, 2, 1, library));
                String mode = library ? "through the client library: " : "raw: ";
                assertTrue(result.operations() > 50, mode + "operations: " + result);
                assertEquals(0, result.errors(), mode + "errors: " + result);
                assertTrue(result.p50Millis() <= result.p99Millis() && result.p99Millis() <= result.p999Millis(),
                        mode + "percentiles in order: " + result);
            }
        } finally {
            nodes.forEach(Process::destroyForcibly);
            for (Process p : nodes) {
                p.waitFor();
            }
        }
    }
}
