package kvstore.node.cli;

import kvstore.node.server.KvNode;
import kvstore.node.server.NodeConfig;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.StringJoiner;
import java.util.concurrent.CountDownLatch;

/**
 * A local cluster in one command, the prototype's {@code devenv.py -n N} in Java: N nodes on loopback (ids 1..N,
 * ports base..base+N-1, in this one process), the view of all N installed on each (node 1 primary) through
 * {@code PUT /view} as an operator would, a few example requests printed, and everything stopped on Ctrl-C.
 */
public final class DevEnv {
    static final String USAGE = """
            usage: ./kv devenv [-n N] [--base-port P] [--token T] [--log-level L]
              -n N           how many nodes (default 3)
              --base-port P  node i listens on P + i - 1 (default 9001)
              --token T      cluster token for internal endpoints and PUT /view
              --log-level L  ERROR, WARNING (default), INFO or DEBUG
            """;

    private DevEnv() {
    }

    public static void main(String[] argv) throws Exception {
        List<KvNode> nodes = new ArrayList<>();
        try {
            Args args = new Args(argv, Set.of("-n", "--base-port", "--token", "--log-level"), Set.of("--help"));
            if (args.has("--help")) {
                System.out.print(USAGE);
                return;
            }
            Logging.configure(args.get("--log-level", "WARNING"));
            long n = args.positive("-n", "3");
            if (n > 100) {
                throw new Args.UsageError("-n is at most 100");
            }
            int base = args.port("--base-port", "9001");
            if (base + n - 1 > 65535) {
                throw new Args.UsageError("ports " + base + ".." + (base + n - 1) + " do not all exist");
            }
            nodes.addAll(startCluster((int) n, base, args.get("--token", null)));
        } catch (Args.UsageError e) {
            System.err.println("kv devenv: " + e.getMessage());
            System.err.print(USAGE);
            System.exit(2);
        } catch (Starting.StartFailure e) {
            System.err.println("kv devenv: " + e.getMessage());
            System.exit(1);
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            nodes.forEach(KvNode::close);
            System.out.println("\nstopped " + nodes.size() + " nodes");
            stopped.countDown();
        }, "stop-cluster"));
        printWelcome(nodes);
        stopped.await();
    }

    /**
     * Starts nodes 1..n on ports base..base+n-1 (all on free ports when base is 0) and installs the view of all of
     * them on each. On any failure the nodes already started are stopped again.
     */
    static List<KvNode> startCluster(int n, int base, String token) {
        List<KvNode> nodes = new ArrayList<>();
        try {
            for (long id = 1; id <= n; id++) {
                nodes.add(Starting.start(NodeConfig.of(id, base == 0 ? 0 : (int) (base + id - 1))
                        .withToken(token)));
            }
            installView(nodes, token);
            return nodes;
        } catch (IOException | RuntimeException e) {
            nodes.forEach(KvNode::close);
            throw e instanceof Starting.StartFailure s ? s : new Starting.StartFailure(e.getMessage());
        } catch (InterruptedException e) {
            nodes.forEach(KvNode::close);
            Thread.currentThread().interrupt();
            throw new Starting.StartFailure("interrupted while starting the cluster");
        }
    }

    static String viewDocument(List<KvNode> nodes) {
        StringJoiner members = new StringJoiner(", ", "{\"view\": [", "]}");
        for (KvNode node : nodes) {
            members.add("{\"address\": \"" + node.address() + "\", \"id\": " + node.id() + "}");
        }
        return members.toString();
    }

    private static void installView(List<KvNode> nodes, String token) throws IOException, InterruptedException {
        String view = viewDocument(nodes);
        try (HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()) {
            for (KvNode node : nodes) {
                HttpRequest.Builder put = HttpRequest.newBuilder(URI.create("http://" + node.address() + "/view"))
                        .header("Content-Type", "application/json")
                        .PUT(HttpRequest.BodyPublishers.ofString(view));
                if (token != null) {
                    put.header("X-Cluster-Token", token);
                }
                HttpResponse<String> response = http.send(put.build(), HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() != 200) {
                    throw new IOException("node " + node.id() + " refused the view: " + response.statusCode() + " "
                            + response.body());
                }
            }
        }
    }

    private static void printWelcome(List<KvNode> nodes) {
        StringBuilder out = new StringBuilder();
        out.append("A cluster of ").append(nodes.size()).append(" nodes on loopback, view installed:\n");
        for (KvNode node : nodes) {
            out.append("  node ").append(node.id()).append("  http://").append(node.address())
                    .append(node.id() == 1 ? "  (primary)" : "  (backup)").append('\n');
        }
        String any = nodes.get(nodes.size() - 1).address();
        String first = nodes.get(0).address();
        out.append("\nTry (any node accepts any request; backups forward to the primary):\n")
                .append("  curl -i -X PUT http://").append(first)
                .append("/data/greeting -H 'Content-Type: application/json' -d '{\"value\": \"hello\"}'\n")
                .append("  curl -i http://").append(any).append("/data/greeting\n")
                .append("  curl -i -X PUT http://").append(any).append("/data/greeting -H 'Content-Type: "
                        + "application/json' -d '{\"value\": \"hi\", \"expect\": \"hello\"}'\n")
                .append("  curl -i http://").append(first).append("/data\n")
                .append("  curl -i http://").append(any).append("/view\n")
                .append("\nThe API: docs/api.md. Ctrl-C stops every node.\n");
        System.out.print(out);
    }
}
