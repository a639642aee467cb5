package kvstore.checker.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Porcupine's public test histories (its {@code test_data}: 102 Jepsen etcd logs and 6 key-value logs) as
 * Jepsen-style EDN histories for this checker, each with the verdict Porcupine's own tests expect.
 *
 * <p>The etcd logs are Jepsen's console log ({@code INFO  jepsen.util - 3\t:invoke\t:cas\t[1 2]}); each such line
 * becomes the op map Jepsen's history file holds for it ({@code {:process 3, :type :invoke, :f :cas, :value [1 2]}}).
 * Lines Porcupine's parser ignores become what Jepsen means by them: an {@code :info} completion leaves its
 * operation's outcome unknown, which is how Porcupine treats an operation it never sees complete, and nemesis lines
 * become nemesis operations. The key-value logs are EDN already and are copied; a missing key reads as {@code ""}
 * there, so they are checked with {@code --absent-reads-as-empty}.
 *
 * <p>{@code PorcupineCorpus IN_DIR OUT_DIR} converts Porcupine's {@code test_data} directory and prints each output
 * file with its expected verdict.
 */
public final class PorcupineCorpus {
    /** The etcd logs Porcupine's tests expect to be linearizable ({@code checkJepsen(t, n, true)}). */
    private static final Set<Integer> LINEARIZABLE_ETCD = Set.of(2, 5, 7, 18, 25, 31, 38, 45, 48, 49, 51, 53, 56,
            67, 75, 76, 80, 87, 92, 98, 100, 101, 102);
    /** Porcupine skips this one: etcd failed to start in that test, and the log has no operations. */
    private static final int EMPTY_ETCD_LOG = 95;
    private static final Pattern LOG_LINE = Pattern.compile(
            "^INFO\\s+jepsen\\.util\\s+-\\s+(\\S+)\\s+(:\\S+)\\s+(:\\S+)\\s*(.*?)\\s*$");

    private PorcupineCorpus() {
    }

    /** One converted history: its file and whether Porcupine's tests expect it to be linearizable. */
    public record Entry(Path file, boolean linearizable) {
    }

    /**
     * {@code PorcupineCorpus TEST_DATA [OUT_DIR] [--kv PATH_TO_KV]}: converts, then checks all of them in one
     * {@code check} call in a fresh JVM (start-up included, as Porcupine's figure includes its test binary's),
     * and compares every verdict with Porcupine's.
     */
    public static void main(String[] args) throws Exception {
        Path testData = null;
        Path out = null;
        String kv = null;
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--kv")) {
                kv = args[++i];
            } else if (testData == null) {
                testData = Path.of(args[i]);
            } else {
                out = Path.of(args[i]);
            }
        }
        if (testData == null) {
            System.err.println("usage: PorcupineCorpus PORCUPINE_TEST_DATA_DIR [OUT_DIR] [--kv PATH_TO_KV]");
            System.exit(3);
        }
        List<Entry> entries = convert(testData, out != null ? out : Files.createTempDirectory("porcupine"));
        // As a user runs it: ./kv check (its JVM options included); without ./kv, plain java -jar.
        List<String> command = kv != null ? new ArrayList<>(List.of(kv, "check"))
                : new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"), "-jar",
                        Path.of(PorcupineCorpus.class.getProtectionDomain().getCodeSource().getLocation().toURI())
                                .toString(), "check"));
        command.addAll(List.of("--stats", "--absent-reads-as-empty"));
        entries.forEach(e -> command.add(e.file().toString()));
        Path report = Files.createTempFile("porcupine-check", ".txt");
        long start = System.nanoTime();
        Process p = new ProcessBuilder(command).redirectOutput(report.toFile()).start();
        byte[] err = p.getErrorStream().readAllBytes(); // its only output here is the one stats line
        int status = p.waitFor();
        String verdicts = Files.readString(report);
        double wall = (System.nanoTime() - start) / 1e9;
        int agree = 0;
        for (Entry e : entries) {
            String expected = e.file() + ": " + (e.linearizable() ? "LINEARIZABLE " : "NOT_LINEARIZABLE ");
            if (verdicts.lines().anyMatch(l -> l.startsWith(expected))) {
                agree++;
            } else {
                System.out.println("DIFFERS from Porcupine's verdict: " + e.file() + " (Porcupine: "
                        + (e.linearizable() ? "linearizable" : "not linearizable") + ")");
            }
        }
        Matcher rss = Pattern.compile("peak RSS (\\d+) MB").matcher(new String(err, StandardCharsets.UTF_8));
        long linearizable = entries.stream().filter(Entry::linearizable).count();
        System.out.printf(Locale.ROOT, "%d histories (%d linearizable, %d not): %d verdicts equal"
                        + " Porcupine's; one check call: %.2f s wall, JVM start included, peak RSS %s MB, exit %d%n",
                entries.size(), linearizable, entries.size() - linearizable, agree, wall,
                rss.find() ? rss.group(1) : "?", status);
        System.exit(agree == entries.size() && status <= 1 ? 0 : 1);
    }

    /** Converts every history of {@code testData} into {@code out}; returns them in Porcupine's order. */
    public static List<Entry> convert(Path testData, Path out) throws IOException {
        Files.createDirectories(out);
        List<Entry> entries = new ArrayList<>();
        for (int n = 0; n <= 102; n++) {
            if (n == EMPTY_ETCD_LOG) {
                continue;
            }
            String name = String.format("etcd_%03d", n);
            Path target = out.resolve(name + ".edn");
            Files.write(target, etcdHistory(Files.readAllLines(testData.resolve("jepsen/" + name + ".log"))),
                    StandardCharsets.UTF_8);
            entries.add(new Entry(target, LINEARIZABLE_ETCD.contains(n)));
        }
        for (String name : List.of("c01-ok", "c01-bad", "c10-ok", "c10-bad", "c50-ok", "c50-bad")) {
            Path target = out.resolve("kv-" + name + ".edn");
            Files.copy(testData.resolve("kv/" + name + ".txt"), target,
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            entries.add(new Entry(target, name.endsWith("-ok")));
        }
        return entries;
    }

    /** A Jepsen console log as Jepsen's history file: one op map per line. */
    static List<String> etcdHistory(List<String> log) {
        List<String> ops = new ArrayList<>();
        for (String line : log) {
            Matcher m = LOG_LINE.matcher(line);
            if (!m.matches()) {
                continue; // Jepsen's own chatter (setup, teardown)
            }
            Map<String, String> op = new LinkedHashMap<>();
            String process = m.group(1);
            op.put(":process", process.equals(":nemesis") ? ":nemesis" : process);
            op.put(":type", m.group(2));
            op.put(":f", m.group(3));
            String value = m.group(4).replace('\t', ' ').trim();
            op.put(":value", value.isEmpty() ? "nil" : value);
            StringBuilder edn = new StringBuilder("{");
            op.forEach((k, v) -> edn.append(edn.length() > 1 ? ", " : "").append(k).append(' ').append(v));
            ops.add(edn.append('}').toString());
        }
        return ops;
    }
}
