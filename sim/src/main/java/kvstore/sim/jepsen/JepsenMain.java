package kvstore.sim.jepsen;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * {@code ./kv jepsen}: a run against real node processes with faults, judged by the checker. Exit status 0 when
 * the history is linearizable and nothing acknowledged was lost, 1 when not, 2 for a usage error.
 */
public final class JepsenMain {
    static final String USAGE = """
            usage: ./kv jepsen [--nodes 3] [--time 60] [--clients 5] [--keys 5] [--nemesis kill,partition]
                               [--fault-every 2] [--fault-length 3] [--seed N] [--out DIR] [--bug NAME]
              --nemesis L     comma-separated: kill (kill -9 the primary, restart it later), pause (SIGSTOP a
                              random node), partition (cut a random node off), partition-primary, all, none
              --time S        seconds of client traffic (faults stop a little before the end)
              --fault-every S / --fault-length S   seconds between faults / how long each lasts
              --out DIR       report folder (default sim/target/jepsen/<date-time>)
              --bug NAME      plant a protocol bug into every node (ACK_BEFORE_REPLICATION, LOCAL_READS, ...)
            """;

    private JepsenMain() {
    }

    public static void main(String[] argv) throws Exception {
        RunSettings settings;
        try {
            settings = parse(argv);
        } catch (IllegalArgumentException e) {
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

    static RunSettings parse(String[] argv) {
        Map<String, String> a = new HashMap<>();
        Set<String> known = Set.of("--nodes", "--time", "--clients", "--keys", "--nemesis", "--fault-every",
                "--fault-length", "--seed", "--out", "--bug", "--node-jar");
        for (int i = 0; i < argv.length; i++) {
            if (argv[i].equals("--help")) {
                return null;
            }
            if (!known.contains(argv[i]) || i + 1 >= argv.length) {
                throw new IllegalArgumentException(known.contains(argv[i]) ? argv[i] + " needs a value"
                        : "unknown argument '" + argv[i] + "'");
            }
            a.put(argv[i], argv[++i]);
        }
        Path jar = Path.of(a.getOrDefault("--node-jar", "node/target/node.jar"));
        if (!Files.isRegularFile(jar)) {
            throw new IllegalArgumentException("no node jar at " + jar + " (./kv jepsen builds it)");
        }
        int nodes = positive(a, "--nodes", 3);
        if (nodes < 2 || nodes > 9) {
            throw new IllegalArgumentException("--nodes must be 2 to 9");
        }
        String out = a.getOrDefault("--out", "sim/target/jepsen/"
                + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
        return new RunSettings(nodes, Duration.ofSeconds(positive(a, "--time", 60)), positive(a, "--clients", 5),
                positive(a, "--keys", 5), Nemesis.Kind.parse(a.getOrDefault("--nemesis", "kill,partition")),
                Duration.ofMillis((long) (seconds(a, "--fault-every", 2) * 1000)),
                Duration.ofMillis((long) (seconds(a, "--fault-length", 3) * 1000)),
                Long.parseLong(a.getOrDefault("--seed", String.valueOf(System.nanoTime() % 1_000_000))),
                Path.of(out), jar, a.get("--bug"));
    }

    private static int positive(Map<String, String> a, String name, int fallback) {
        return (int) number(a, name, fallback, "a positive integer", Integer::parseInt);
    }

    private static double seconds(Map<String, String> a, String name, double fallback) {
        return number(a, name, fallback, "a positive number of seconds", Double::parseDouble);
    }

    private static double number(Map<String, String> a, String name, double fallback, String what,
                                 java.util.function.ToDoubleFunction<String> parse) {
        try {
            String text = a.get(name);
            double v = text == null ? fallback : parse.applyAsDouble(text);
            if (v > 0) {
                return v;
            }
        } catch (NumberFormatException e) {
            // below
        }
        throw new IllegalArgumentException(name + " must be " + what);
    }
}
