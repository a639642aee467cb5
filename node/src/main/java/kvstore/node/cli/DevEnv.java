package kvstore.node.cli;

import kvstore.node.control.ControllerHost;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.StringJoiner;
import java.util.concurrent.CountDownLatch;

/**
 * A local cluster in one command, the prototype's {@code devenv.py -n N} in Java: N node processes on loopback
 * (ids 1..N, ports base..base+N-1) started as a new cluster, and a failover controller in this process that
 * installs the first view and every later one: kill the primary ({@code kill -9 PID}) and a backup takes over.
 * With {@code --no-controller} the view of all N is installed once, as an operator would. Ctrl-C stops it all.
 */
public final class DevEnv {
    static final String USAGE = """
            usage: ./kv devenv [-n N] [--base-port P] [--token-file F] [--log-level L] [--no-controller]
                               [--data-dir DIR | --in-memory]
              -n N             how many nodes (default 3)
              --base-port P    node i listens on P + i - 1 (default 9001)
              --token-file F   the cluster token for internal endpoints and PUT /view is the content of F
                               (default: $CLUSTER_TOKEN, or else a new random one, written to the folder printed
                               at start and handed to the nodes in their environment, never on a command line)
              --log-level L    ERROR, WARNING (default), INFO or DEBUG
              --no-controller  install one view of all nodes and run no failover controller
              --data-dir DIR   node i keeps its state in DIR/node-i (default: a new folder under the system's
                               temporary directory, printed at start)
              --in-memory      the nodes keep nothing on disk
            """;

    private DevEnv() {
    }

    public static void main(String[] argv) throws Exception {
        LocalCluster cluster = new LocalCluster();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            cluster.close();
            System.out.println("\nstopped " + cluster.processes.size() + " nodes");
            stopped.countDown();
        }, "stop-cluster"));
        boolean withController;
        try {
            Args args = new Args(argv, Set.of("-n", "--base-port", "--token", "--token-file", "--log-level",
                    "--data-dir"),
                    Set.of("--help", "--no-controller", "--in-memory"));
            if (args.has("--help")) {
                System.out.print(USAGE);
                return;
            }
            String level = args.get("--log-level", "WARNING");
            Logging.configure(level);
            long n = args.positive("-n", "3");
            if (n > 100) {
                throw new Args.UsageError("-n is at most 100");
            }
            int base = args.port("--base-port", "9001");
            if (base + n - 1 > 65535) {
                throw new Args.UsageError("ports " + base + ".." + (base + n - 1) + " do not all exist");
            }
            withController = !args.has("--no-controller");
            if (args.has("--data-dir") && args.has("--in-memory")) {
                throw new Args.UsageError("--data-dir and --in-memory contradict each other");
            }
            Path folder = args.has("--data-dir") ? Path.of(args.get("--data-dir", null))
                    : Files.createTempDirectory("kv-devenv-");
            Files.createDirectories(folder);
            String token = ClusterSecret.token(args, System.getenv());
            if (token == null) {
                token = ClusterSecret.random();
            }
            cluster.tokenFile = ClusterSecret.writePrivate(folder.resolve("token"), token);
            // The header whole, for curl -H @FILE: $(cat token) on a command line would show it in ps.
            ClusterSecret.writePrivate(folder.resolve("token.header"),
                    kvstore.node.server.MessagesEndpoint.TOKEN + ": " + token);
            cluster.start((int) n, base, token, level, withController,
                    args.has("--in-memory") ? null : folder);
        } catch (Args.UsageError e) {
            System.err.println("kv devenv: " + e.getMessage());
            System.err.print(USAGE);
            System.exit(2);
            return;
        } catch (Starting.StartFailure e) {
            System.err.println("kv devenv: " + e.getMessage());
            System.exit(1);
            return;
        }
        printWelcome(cluster, withController);
        stopped.await();
    }

    /**
     * N node processes on loopback and, unless told otherwise, a failover controller in this process: what
     * {@code ./kv devenv} runs (and its test). Closing it stops everything; it may be closed while it starts.
     */
    static final class LocalCluster implements AutoCloseable {
        final Map<String, String> addresses = new LinkedHashMap<>();
        final List<Process> processes = new java.util.concurrent.CopyOnWriteArrayList<>(); // Ctrl-C mid-start
        private volatile ControllerHost controller;
        private Path data; // null: in memory
        private Path tokenFile; // where the cluster's token is, for the operator (null: none)

        /**
         * Starts nodes 1..n on ports base..base+n-1, node i keeping its state in {@code data/node-i} (null: in
         * memory); once all answer, the controller or the view of all n.
         */
        void start(int n, int base, String token, String level, boolean withController, Path data) {
            this.data = data;
            try {
                for (long id = 1; id <= n; id++) {
                    addresses.put(String.valueOf(id), "127.0.0.1:" + (base + id - 1));
                    processes.add(startNodeProcess(id, base + id - 1, token, level, dataDir(id)));
                }
                awaitAnswering(addresses, processes);
                if (withController) {
                    controller = ControllerMain.start(addresses, token, Duration.ofMillis(10));
                    awaitWholeView(addresses);
                } else {
                    installView(new ArrayList<>(addresses.values()), viewDocument(addresses), token);
                }
            } catch (IOException | RuntimeException e) {
                close();
                throw e instanceof Starting.StartFailure f ? f : new Starting.StartFailure(e.getMessage());
            } catch (InterruptedException e) {
                close();
                Thread.currentThread().interrupt();
                throw new Starting.StartFailure("interrupted while starting the cluster");
            }
        }

        /** Where node {@code id} keeps its state (null: in memory). */
        Path dataDir(long id) {
            return data == null ? null : data.resolve("node-" + id);
        }

        @Override
        public void close() {
            ControllerHost c = controller;
            if (c != null) {
                c.close();
            }
            processes.forEach(Process::destroy);
            for (Process p : processes) {
                try {
                    if (!p.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
                        p.destroyForcibly();
                    }
                } catch (InterruptedException e) {
                    p.destroyForcibly();
                    Thread.currentThread().interrupt();
                }
            }
        }
    }

    /** One node as its own process (so that it can be killed), started as a member of a brand-new cluster. */
    private static Process startNodeProcess(long id, long port, String token, String level, Path dataDir) {
        List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java")));
        String options = System.getenv("KV_NODE_JAVA_OPTS"); // the JVM options ./kv gives nodes
        if (options != null && !options.isBlank()) {
            command.addAll(List.of(options.trim().split("\\s+")));
        }
        command.addAll(List.of("-cp",
                System.getProperty("java.class.path"), NodeMain.class.getName(), "--id", String.valueOf(id),
                "--port", String.valueOf(port), "--new-cluster", "--log-level", level,
                "--exit-with-parent", String.valueOf(ProcessHandle.current().pid())));
        if (dataDir != null) {
            command.addAll(List.of("--data-dir", dataDir.toString()));
        }
        ProcessBuilder builder = new ProcessBuilder(command).inheritIO();
        if (token != null) { // in the environment, which only its owner can read; ps shows the command line
            builder.environment().put(ClusterSecret.ENV, token);
        } else {
            builder.environment().remove(ClusterSecret.ENV);
        }
        try {
            return builder.start();
        } catch (IOException e) {
            throw new Starting.StartFailure("cannot start node " + id + ": " + e.getMessage());
        }
    }

    private static void awaitAnswering(Map<String, String> addresses, List<Process> processes)
            throws InterruptedException {
        try (HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()) {
            int i = 0;
            for (Map.Entry<String, String> node : addresses.entrySet()) {
                Process process = processes.get(i++);
                long deadline = System.nanoTime() + 30_000_000_000L;
                while (true) {
                    if (!process.isAlive()) {
                        throw new Starting.StartFailure("node " + node.getKey() + " exited (" + process.exitValue()
                                + "); see its message above");
                    }
                    try {
                        HttpRequest ping = HttpRequest.newBuilder(URI.create("http://" + node.getValue() + "/ping"))
                                .timeout(Duration.ofSeconds(1)).build();
                        if (http.send(ping, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                            break;
                        }
                    } catch (IOException e) {
                        // not listening yet
                    }
                    if (System.nanoTime() > deadline) {
                        throw new Starting.StartFailure("node " + node.getKey() + " did not answer in 30 s");
                    }
                    Thread.sleep(50); // polling a process that is starting: there is nothing to wait on instead
                }
            }
        }
    }

    /**
     * Waits (up to 20 s) until every node holds the same view of all of them and holds its state, so that the
     * cluster handed to the user takes writes at once (the controller's first view may leave out a node that was
     * slow to answer, and add it in the next).
     */
    private static void awaitWholeView(Map<String, String> addresses) throws InterruptedException {
        try (HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()) {
            long deadline = System.nanoTime() + 20_000_000_000L;
            while (System.nanoTime() < deadline) {
                if (holdWholeView(http, addresses)) {
                    return;
                }
                Thread.sleep(50); // polling processes: there is nothing to wait on instead
            }
        }
        throw new Starting.StartFailure("the controller has not installed a view of all " + addresses.size()
                + " nodes after 20 s");
    }

    private static boolean holdWholeView(HttpClient http, Map<String, String> addresses) throws InterruptedException {
        java.util.Set<Long> epochs = new java.util.HashSet<>();
        for (String address : addresses.values()) {
            try {
                HttpRequest get = HttpRequest.newBuilder(URI.create("http://" + address + "/view"))
                        .timeout(Duration.ofSeconds(1)).build();
                com.fasterxml.jackson.databind.JsonNode view = kvstore.node.server.Json.MAPPER.readTree(
                        http.send(get, HttpResponse.BodyHandlers.ofString()).body());
                if (view.path("view").size() != addresses.size() || !view.path("synced").asBoolean()) {
                    return false;
                }
                epochs.add(view.path("epoch").asLong());
            } catch (IOException e) {
                return false;
            }
        }
        return epochs.size() == 1;
    }

    static String viewDocument(Map<String, String> addresses) {
        StringJoiner members = new StringJoiner(", ", "{\"view\": [", "]}");
        addresses.forEach((id, address) -> members.add("{\"address\": \"" + address + "\", \"id\": " + id + "}"));
        return members.toString();
    }

    private static void installView(List<String> addresses, String view, String token)
            throws IOException, InterruptedException {
        try (HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()) {
            for (String address : addresses) {
                HttpRequest.Builder put = HttpRequest.newBuilder(URI.create("http://" + address + "/view"))
                        .header("Content-Type", "application/json")
                        .PUT(HttpRequest.BodyPublishers.ofString(view));
                if (token != null) {
                    put.header("X-Cluster-Token", token);
                }
                HttpResponse<String> response = http.send(put.build(), HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() != 200) {
                    throw new IOException("node " + address + " refused the view: " + response.statusCode() + " "
                            + response.body());
                }
            }
        }
    }

    private static void printWelcome(LocalCluster cluster, boolean withController) {
        Map<String, String> addresses = cluster.addresses;
        List<Process> processes = cluster.processes;
        StringBuilder out = new StringBuilder();
        out.append("A cluster of ").append(addresses.size()).append(" node processes on loopback")
                .append(withController ? ", with a failover controller:\n" : ", one view installed:\n");
        int i = 0;
        for (Map.Entry<String, String> node : addresses.entrySet()) {
            out.append("  node ").append(node.getKey()).append("  http://").append(node.getValue())
                    .append("  pid ").append(processes.get(i++).pid()).append('\n');
        }
        String first = addresses.values().iterator().next();
        String any = new ArrayList<>(addresses.values()).getLast();
        out.append("\nTry (any node accepts any request; backups forward to the primary):\n")
                .append("  curl -i -X PUT http://").append(first)
                .append("/data/greeting -H 'Content-Type: application/json' -d '{\"value\": \"hello\"}'\n")
                .append("  curl -i http://").append(any).append("/data/greeting\n")
                .append("  curl -i http://").append(any).append("/view\n");
        if (cluster.tokenFile != null) {
            Path header = cluster.tokenFile.resolveSibling("token.header").toAbsolutePath();
            out.append("\nThe cluster's token is in ").append(cluster.tokenFile.toAbsolutePath())
                    .append(" (readable by you only).\nAn operator's PUT /view needs it: curl -H @").append(header)
                    .append(" ...\n");
        }
        if (cluster.data != null) {
            out.append("\nEach node keeps its state in ").append(cluster.data.toAbsolutePath())
                    .append("/node-N (write-ahead log and\nsnapshots, fsynced before anything is acknowledged).\n");
        } else {
            out.append("\nThe nodes keep nothing on disk (--in-memory).\n");
        }
        if (withController) {
            String restart = "./kv node --id N --port P --join"
                    + (cluster.tokenFile != null ? " --token-file " + cluster.tokenFile.toAbsolutePath() : "")
                    + (cluster.data != null ? " --data-dir " + cluster.data.toAbsolutePath() + "/node-N" : "");
            out.append("\nKill the primary (kill -9 its pid): within about a second the controller makes a backup\n")
                    .append("primary, and writes go on. Start the node again with\n  ").append(restart)
                    .append("\nand the controller adds it back as a backup")
                    .append(cluster.data != null ? " (it catches up with what it missed).\nKill every node at once and "
                            + "start them all again the same way: nothing acknowledged is lost.\n" : ".\n");
        }
        out.append("\nThe API: docs/api.md. Ctrl-C stops every node.\n");
        System.out.print(out);
    }
}
