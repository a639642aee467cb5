package kvstore.node.server;

import kvstore.node.cli.FreePorts;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Real node processes started as the prototype's users start them ({@code ./kv node --id N --port P}, no other
 * flag), each its own JVM on loopback, and the grader's tools: a view sent to chosen nodes, and SIGSTOP/SIGCONT
 * standing in for a network disconnect (the process keeps its state, as a disconnected container does).
 */
final class NodeProcesses implements AutoCloseable {
    private final Map<Long, Process> processes = new TreeMap<>();
    private final Map<Long, String> addresses = new TreeMap<>();

    private NodeProcesses() {
    }

    /** Starts nodes 1..n, in parallel, and waits until each answers {@code GET /ping}. */
    static NodeProcesses start(int n, String testName) {
        return start(1, n, testName);
    }

    /** Starts nodes first..first+n-1 (the graders number theirs from 0), each with {@code flags} added. */
    static NodeProcesses start(long first, int n, String testName, String... flags) {
        return startJvms(first, n, testName, "256m", flags);
    }

    /** Nodes 1..n, each JVM's heap limited to {@code maxHeap} ({@code -Xmx}). */
    static NodeProcesses startWithHeap(int n, String testName, String maxHeap) {
        return startJvms(1, n, testName, maxHeap);
    }

    private static NodeProcesses startJvms(long first, int n, String testName, String maxHeap, String... flags) {
        NodeProcesses nodes = new NodeProcesses();
        try {
            Path logs = Files.createDirectories(Path.of("target", "grader-scenarios", testName));
            int base = FreePorts.consecutive(n);
            for (long id = first; id < first + n; id++) {
                int port = base + (int) (id - first);
                nodes.addresses.put(id, "127.0.0.1:" + port);
                List<String> command = new ArrayList<>(List.of(
                        ProcessHandle.current().info().command().orElse("java"), "-ea:kvstore.core...", "-XX:TieredStopAtLevel=1",
                        "-XX:+UseSerialGC", "-Xmx" + maxHeap, "-Xss512k", "-cp", System.getProperty("java.class.path"),
                        kvstore.node.cli.NodeMain.class.getName(), "--id", String.valueOf(id), "--port",
                        String.valueOf(port), "--log-level", "WARNING",
                        "--exit-with-parent", String.valueOf(ProcessHandle.current().pid())));
                command.addAll(List.of(flags));
                ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                        .redirectOutput(logs.resolve("node-" + id + ".log").toFile());
                builder.environment().remove("CLUSTER_TOKEN"); // these tests send no token
                nodes.processes.put(id, builder.start());
            }
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50)).ignoreExceptions()
                    .untilAsserted(() -> {
                        for (String address : nodes.addresses.values()) {
                            assertEquals(200, Http.send("GET", address, "/ping", null).status());
                        }
                    });
            return nodes;
        } catch (IOException | RuntimeException e) {
            nodes.close();
            throw e instanceof IOException io ? new UncheckedIOException(io) : (RuntimeException) e;
        }
    }

    String address(long id) {
        return addresses.get(id);
    }

    /** Every node's address by id, as a controller is given them. */
    Map<String, String> addresses() {
        Map<String, String> byId = new TreeMap<>();
        addresses.forEach((id, address) -> byId.put(String.valueOf(id), address));
        return byId;
    }

    /** kill -9: the process and everything it held are gone. */
    void kill(long id) {
        try {
            processes.get(id).destroyForcibly().waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    long[] ids() {
        return addresses.keySet().stream().mapToLong(Long::longValue).toArray();
    }

    /** The prototype's view document of these members: no epoch, no primary (the lowest id leads). */
    String view(long... members) {
        return Http.viewDocument(this::address, members);
    }

    /** The grader's broadcast: the view of {@code members} sent to each of them in turn; each must answer 200. */
    void sendView(long... members) {
        sendViewTo(view(members), members);
    }

    void sendViewTo(String doc, long... targets) {
        for (long id : targets) {
            Http.Response r = Http.send("PUT", address(id), "/view", doc);
            assertEquals(200, r.status(), () -> "node " + id + " answered the view with " + r);
        }
    }

    /** A network disconnect, as the graders make it: the node is silent but keeps its state. */
    void pause(long id) {
        signal(id, "STOP");
    }

    void resume(long id) {
        signal(id, "CONT");
    }

    private void signal(long id, String signal) {
        try {
            Process kill = new ProcessBuilder("kill", "-" + signal, String.valueOf(processes.get(id).pid()))
                    .inheritIO().start();
            assertEquals(0, kill.waitFor(), "kill -" + signal + " node " + id);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        for (Process p : processes.values()) {
            p.destroyForcibly(); // SIGKILL also ends a stopped process
        }
        for (Process p : processes.values()) {
            try {
                p.waitFor();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
