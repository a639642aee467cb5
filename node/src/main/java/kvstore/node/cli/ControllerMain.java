package kvstore.node.cli;

import kvstore.core.control.Controller;
import kvstore.core.control.ControllerConfig;
import kvstore.node.control.ControllerHost;
import kvstore.node.control.ControllerObservability;
import kvstore.core.View;
import kvstore.node.server.ViewDocument;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;

/**
 * The failover controller as a command: {@code ./kv controller --nodes 1=127.0.0.1:9001,2=...}. It watches every
 * node and installs a new view whenever the current one cannot serve (docs/protocol.md, "The controller"). Several
 * may run at once against the same nodes; each must be given every node of the cluster.
 */
public final class ControllerMain {
    static final String USAGE = """
            usage: ./kv controller --nodes ID=HOST:PORT,... [--token-file F] [--tick-ms MS] [--min-view-size N]
                                   [--metrics-port P] [--metrics-host H] [--log-level L]
                                   [--tls-cert F --tls-key F --tls-ca F]
              --nodes        every node of the cluster (majorities are counted over all of them)
              --token-file F the cluster token is the content of file F (default: $CLUSTER_TOKEN; none).
                             Never on the command line: ps shows it
              --tick-ms MS   the controller's tick (default 10): a node is suspected after 50 ticks without an
                             answer, and a view change takes a few round trips more
              --min-view-size N  the fewest nodes a view this controller decides may have (default 1):
                             with 2, no view of its own acknowledges a write on one node alone; writes wait
                             (503) instead
              --metrics-port P  serve /metrics and /health/live on this port (default 0: a free one, printed
                             at start)
              --metrics-host H  on this address (default 127.0.0.1: the metrics say nothing secret, but listen
                             where your Prometheus can reach them, no wider)
              --log-level L  ERROR, WARNING, INFO (default) or DEBUG
            """ + TlsOptions.USAGE + """
            The nodes must have been started with --new-cluster (a fresh cluster) or restored by a controller.
            """;

    private ControllerMain() {
    }

    public static void main(String[] argv) throws InterruptedException {
        ControllerHost host;
        try {
            Args args = new Args(argv, TlsOptions.with(Set.of("--nodes", "--token", "--token-file", "--tick-ms",
                    "--min-view-size", "--log-level", "--metrics-port", "--metrics-host")),
                    Set.of("--help"));
            if (args.has("--help")) {
                System.out.print(USAGE);
                return;
            }
            Logging.configure(args.get("--log-level", "INFO"));
            Map<String, String> nodes = parseNodes(args.get("--nodes", null));
            int minViewSize = (int) Math.min(Integer.MAX_VALUE, args.positive("--min-view-size", "1"));
            if (minViewSize > nodes.size()) {
                throw new IllegalArgumentException("--min-view-size " + minViewSize + " is more than the "
                        + nodes.size() + " nodes: no view could be decided");
            }
            host = start(nodes, ClusterSecret.token(args, System.getenv()), TlsOptions.from(args),
                    Duration.ofMillis(args.positive("--tick-ms", "10")),
                    ControllerConfig.defaults().withMinViewSize(minViewSize), args.get("--metrics-host", "127.0.0.1"),
                    metricsPort(args));
        } catch (Args.UsageError | IllegalArgumentException e) {
            System.err.println("kv controller: " + e.getMessage());
            System.err.print(USAGE);
            System.exit(2);
            return;
        }
        host.onFatal(e -> NodeMain.exitAfterFatal("kv controller: " + e + "; the controller stops: start it again "
                + "(it learns everything from the nodes)"));
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            host.close();
            stopped.countDown();
        }, "stop-controller"));
        stopped.await();
    }

    /**
     * Starts a controller with a name of its own, printing its reasoning and every view it decides, with its metrics
     * on a free loopback port (printed).
     */
    public static ControllerHost start(Map<String, String> nodes, String token, Duration tick) {
        return start(nodes, token, null, tick, ControllerConfig.defaults(), "127.0.0.1", 0);
    }

    /**
     * @param tls         the controller's certificate and the cluster's authority, to reach nodes over TLS (null:
     *                    plain)
     * @param metricsPort where its metrics are served (0: a free port); printed
     */
    public static ControllerHost start(Map<String, String> nodes, String token, kvstore.node.tls.TlsFiles tls,
                                       Duration tick, ControllerConfig config, String metricsHost,
                                       int metricsPort) {
        String name = "ctl-" + UUID.randomUUID().toString().substring(0, 8);
        ControllerObservability metrics = new ControllerObservability(name, tick, events());
        ControllerHost host = new ControllerHost(name, nodes, token, tls == null ? null : tls.clientContext(), tick,
                config, metrics);
        host.closeWith(metrics);
        int port;
        try {
            port = metrics.serve(metricsHost, metricsPort);
        } catch (RuntimeException e) {
            host.close(); // deciding views already: a controller that cannot be watched must not run on unseen
            throw e;
        }
        System.out.println("controller " + name + ": metrics on http://" + metricsHost + ":" + port + "/metrics");
        return host;
    }

    private static Controller.Events events() {
        System.Logger log = System.getLogger("kvstore.controller");
        return new Controller.Events() {
            @Override
            public void note(String text) {
                log.log(System.Logger.Level.INFO, text);
            }

            @Override
            public void decided(View view) {
                System.out.println("controller: view " + view.number() + " decided: primary " + view.primary()
                        + ", backups " + view.backups());
            }
        };
    }

    private static int metricsPort(Args args) {
        long port = args.atLeast("--metrics-port", "0", 0);
        if (port > 65_535) {
            throw new Args.UsageError("--metrics-port is a TCP port, 0 to 65535 (0: a free one), not " + port);
        }
        return (int) port;
    }

    static Map<String, String> parseNodes(String spec) {
        if (spec == null || spec.isBlank()) {
            throw new Args.UsageError("--nodes is required: every node as ID=HOST:PORT, separated by commas");
        }
        Map<String, String> nodes = new LinkedHashMap<>();
        for (String entry : spec.split(",")) {
            String[] parts = entry.trim().split("=", 2);
            if (parts.length != 2 || !ViewDocument.isNodeId(parts[0]) || !ViewDocument.isAddress(parts[1])) {
                throw new Args.UsageError("'" + entry + "' is not ID=HOST:PORT (for example 1=127.0.0.1:9001)");
            }
            if (nodes.put(parts[0], parts[1]) != null) {
                throw new Args.UsageError("node " + parts[0] + " is listed twice");
            }
        }
        return nodes;
    }
}
