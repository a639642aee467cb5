package kvstore.jepsen;

import kvstore.node.cli.Args;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Set;

/**
 * {@code ./kv jepsen}: a run against real node processes with faults, judged by the checker. Exit status 0 when
 * the history is linearizable and nothing acknowledged was lost, 1 when not, 2 for a usage error.
 */
public final class JepsenMain {
    static final String USAGE = """
            usage: ./kv jepsen [--nodes 3] [--time 60] [--clients 5] [--keys 5] [--nemesis crash-primary,partition]
                               [--fault-every 2] [--fault-length 3] [--seed N] [--out DIR] [--bug NAME]
                               [--controller] [--data-dir] [--tls] [--client-mode node|library]
              --nemesis L     comma-separated: crash-primary (kill -9 the primary, restart it later; or: kill),
                              pause (SIGSTOP a random node), partition (cut a random node off),
                              partition-primary, crash-all (kill -9 every node at once, restart them all:
                              needs --controller and --data-dir), all, none
              --time S        seconds of client traffic (faults stop a little before the end)
              --fault-every S / --fault-length S   seconds between faults / how long each lasts
              --out DIR       report folder (default jepsen/target/jepsen/<date-time>)
              --bug NAME      plant a protocol bug into every node (ACK_BEFORE_REPLICATION, LOCAL_READS, ...)
              --controller    the project's failover controller changes views, finding faults by itself (by
                              default the harness's operator does, told by the nemesis which node is faulty)
              --data-dir      every node keeps its state in its own data directory (under the report folder)
                              and restarts with it; without it, nodes keep nothing on disk and restart empty
              --client-mode M node (default): each client sends to one node, once per operation, as Jepsen
                              binds its workers, so a faulty node slows only its own clients; library: the
                              client library routes to the primary and retries, as an application's would
              --tls           every connection is TLS (nodes, controller, clients), with certificates from a
                              throw-away authority made for the run (under the report folder, tls/)
            """;

    private JepsenMain() {
    }

    public static void main(String[] argv) throws Exception {
        RunSettings settings;
        try {
            settings = parse(argv);
        } catch (Args.UsageError | IllegalArgumentException e) { // the latter: an unknown nemesis
            System.err.println("kv jepsen: " + e.getMessage());
            System.err.print(USAGE);
            System.exit(2);
            return;
        }
        if (settings == null) {
            System.out.print(USAGE);
            return;
        }
        System.out.println("running " + settings.duration().toSeconds() + " s against " + settings.nodes()
                + " node processes; report in " + settings.out());
        JepsenRun.Outcome outcome = new JepsenRun(settings).run();
        System.out.print(outcome.summary());
        System.out.println("report: " + outcome.report().toAbsolutePath());
        System.exit(outcome.passed() ? 0 : 1);
    }

    private static RunSettings.ClientBinding binding(String name) {
        return switch (name) {
            case "node" -> RunSettings.ClientBinding.NODE;
            case "library" -> RunSettings.ClientBinding.LIBRARY;
            default -> throw new Args.UsageError("--client-mode takes node or library, not " + name);
        };
    }

    /** The settings, or null when the user asked for --help. */
    static RunSettings parse(String[] argv) {
        Args a = new Args(argv, Set.of("--nodes", "--time", "--clients", "--keys", "--nemesis", "--fault-every",
                "--fault-length", "--seed", "--out", "--bug", "--node-jar", "--client-mode"), Set.of("--help",
                "--controller",
                "--data-dir", "--tls"));
        if (a.has("--help")) {
            return null;
        }
        Path jar = Path.of(a.get("--node-jar", "node/target/node.jar"));
        if (!Files.isRegularFile(jar)) {
            throw new Args.UsageError("no node jar at " + jar + " (./kv jepsen builds it)");
        }
        int nodes = (int) a.positive("--nodes", "3");
        if (nodes < 2 || nodes > 9) {
            throw new Args.UsageError("--nodes must be 2 to 9");
        }
        String out = a.get("--out", "jepsen/target/jepsen/"
                + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
        String nemesisList = a.get("--nemesis", "crash-primary,partition");
        java.util.List<Nemesis.Kind> nemeses = new java.util.ArrayList<>(Nemesis.Kind.parse(nemesisList));
        boolean bringsBackAll = a.has("--controller") && a.has("--data-dir");
        if (nemeses.contains(Nemesis.Kind.CRASH_ALL) && !bringsBackAll) {
            if (java.util.Arrays.asList(nemesisList.toLowerCase(java.util.Locale.ROOT).split(","))
                    .stream().map(String::trim).anyMatch("crash-all"::equals)) {
                throw new Args.UsageError("--nemesis crash-all needs --controller and --data-dir: only nodes that "
                        + "keep their state on disk survive it, and only the controller brings them back by itself");
            }
            nemeses.remove(Nemesis.Kind.CRASH_ALL); // "all": every kind this run can survive
        }
        return new RunSettings(nodes, Duration.ofSeconds(a.positive("--time", "60")),
                (int) a.positive("--clients", "5"), (int) a.positive("--keys", "5"), nemeses,
                Duration.ofMillis((long) (a.seconds("--fault-every", "2") * 1000)),
                Duration.ofMillis((long) (a.seconds("--fault-length", "3") * 1000)),
                a.atLeast("--seed", String.valueOf(System.nanoTime() % 1_000_000), Long.MIN_VALUE),
                Path.of(out), jar, a.get("--bug", null), a.has("--controller"), a.has("--data-dir"),
                a.has("--tls"), binding(a.get("--client-mode", "node")));
    }
}
