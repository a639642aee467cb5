package kvstore.checker.bench;

import kvstore.checker.generate.HistoryGenerator;
import kvstore.checker.generate.StaleReadPlanter;
import kvstore.checker.generate.WorkloadShape;
import kvstore.checker.history.Event;
import kvstore.checker.history.HistoryWriter;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Generates history shapes, writes them as files, and times the checker's command line on them in a fresh JVM
 * each (start-up included, as a user would run it). Prints wall time, operations per second and peak memory.
 *
 * <p>{@code ./kv bench-checker [--only NAME] [--dir DIR]}: each shape with plain {@code java -jar}, and as {@code ./kv check}
 * runs it (its AOT cache and compiler choice).
 */
public final class CheckerBenchmark {
    private record Case(String name, String porcupine, List<List<Event>> histories) {
    }

    private CheckerBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        String only = null;
        Path dir = null;
        String kv = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--only" -> only = args[++i];
                case "--dir" -> dir = Path.of(args[++i]);
                case "--kv" -> kv = args[++i];
                default -> throw new IllegalArgumentException(
                        "usage: bench-checker [--only NAME] [--dir DIR] [--kv PATH_TO_KV]");
            }
        }
        if (dir == null) {
            dir = Files.createTempDirectory("checker-bench");
        }
        String jar = Path.of(CheckerBenchmark.class.getProtectionDomain().getCodeSource().getLocation().toURI())
                .toString();
        String java = ProcessHandle.current().info().command().orElse("java");
        boolean withKv = kv != null;
        System.out.printf(Locale.ROOT, "%-48s %9s %8s %10s %8s %9s  %-16s %s%n", "shape", "ops", "wall s", "ops/s",
                "peak MB", withKv ? "./kv s" : "", "verdict", "Porcupine on this machine");
        for (Case c : cases()) {
            if (only != null && !c.name.contains(only)) {
                continue;
            }
            List<String> files = new ArrayList<>();
            long ops = 0;
            for (int i = 0; i < c.histories.size(); i++) {
                Path file = dir.resolve(c.name.replaceAll("[^a-z0-9]+", "-") + "-" + i + ".jsonl");
                write(file, c.histories.get(i));
                files.add(file.toString());
                ops += c.histories.get(i).size() / 2;
            }
            Run plain = run(List.of(java, "-jar", jar), files);
            String cached = withKv ? String.format(Locale.ROOT, "%9.2f", run(List.of(kv), files).wall) : "";
            Matcher rss = Pattern.compile("peak RSS (\\d+) MB").matcher(plain.err);
            String verdict = switch (plain.status) {
                case 0 -> "linearizable";
                case 1 -> "NOT linearizable";
                case 2 -> "unknown";
                default -> "error " + plain.status;
            };
            System.out.printf(Locale.ROOT, "%-48s %9d %8.2f %10.0f %8s %9s  %-16s %s%n", c.name, ops, plain.wall,
                    ops / plain.wall, rss.find() ? rss.group(1) : "?", cached, verdict, c.porcupine);
            if (plain.status > 2) {
                System.out.println(plain.err);
            }
        }
    }

    private static List<Case> cases() {
        List<Case> cases = new ArrayList<>();
        List<List<Event>> suite = new ArrayList<>();
        // Shaped like Porcupine's public test data: 102 Jepsen etcd register logs (5 clients, values 0..4, reads,
        // writes, cas, timeouts; roughly 50 to 250 operations each) and 6 key-value logs with 1, 10 and 50
        // clients (gets, puts and appends on 10 keys).
        for (int i = 0; i < 102; i++) {
            int ops = 50 + new SplittableRandom(i).nextInt(200);
            suite.add(HistoryGenerator.generate(WorkloadShape.of(ops, 5, 1).withValues(5).withMix(0.4, 3, 0, 0, 3)
                    .withUnknownShare(0.05).withConcurrency(3), i));
        }
        for (int clients : new int[] {1, 10, 50, 1, 10, 50}) {
            suite.add(HistoryGenerator.generate(WorkloadShape.of(clients == 50 ? 1500 : 300, clients, 10)
                    .withMix(0.4, 1, 0, 4, 0).withUnknownShare(0).withConcurrency(2), 1000 + clients));
        }
        cases.add(new Case("108 small histories, one JVM", "1.0 s", suite));
        cases.add(new Case("200k ops, 500 keys, 16 procs", "2.1 s (0.65 s checking)",
                List.of(HistoryGenerator.generate(WorkloadShape.of(200_000, 16, 500), 7))));
        WorkloadShape oneKey = WorkloadShape.of(5_000, 10, 1).withUnknownShare(0);
        cases.add(new Case("5k ops, 1 key, 10 procs", "0.8 s", List.of(HistoryGenerator.generate(oneKey, 11))));
        List<Event> single = HistoryGenerator.generate(oneKey, 11);
        StaleReadPlanter.Plant plant = StaleReadPlanter.plant(single, new SplittableRandom(3), 0.9);
        cases.add(new Case("5k ops, 1 key, 10 procs, violation", "5.6 s, 660 MB (with explanation)",
                List.of(plant.events())));
        cases.add(new Case("5k ops, 1 key, 10 procs, 2% timeouts", "-",
                List.of(HistoryGenerator.generate(oneKey.withUnknownShare(0.02), 11))));
        cases.add(new Case("10k ops, 1 key, 10 procs", "-",
                List.of(HistoryGenerator.generate(WorkloadShape.of(10_000, 10, 1).withUnknownShare(0), 13))));
        cases.add(new Case("1M ops, 1000 keys, 16 procs", "-",
                List.of(HistoryGenerator.generate(WorkloadShape.of(1_000_000, 16, 1_000), 17))));
        // Violations in histories with unknown outcomes, failed cas and deletes: one planted stale read on one key
        // (every write writes a value of its own, as Jepsen's register tests and our simulator record).
        cases.add(violation("5k ops, 1 key, 10 procs, 1% info, violation", "> 60 s (undecided)",
                WorkloadShape.of(5_000, 10, 1).withUnknownShare(0.01), 21));
        for (double info : new double[] {0.05, 0.20}) {
            cases.add(violation("5k ops, 1 key, 10 procs, " + Math.round(info * 100) + "% info, violation", "-",
                    WorkloadShape.of(5_000, 10, 1).withUnknownShare(info), 22));
        }
        cases.add(violation("5k ops, 1 key, 50 procs, 5% info, violation", "-",
                WorkloadShape.of(5_000, 50, 1).withUnknownShare(0.05).withConcurrency(4), 23));
        cases.add(violation("100k ops, 1 key, 10 procs, 1% info, violation", "-",
                WorkloadShape.of(100_000, 10, 1).withUnknownShare(0.01), 24));
        cases.add(violation("100k ops, 1 key, 1 proc, 20% info, violation", "-",
                WorkloadShape.of(100_000, 1, 1).withUnknownShare(0.20), 25));
        return cases;
    }

    /** A generated history with one read turned stale, late in it (the search must get that far). */
    private static Case violation(String name, String porcupine, WorkloadShape shape, long seed) {
        List<Event> events = HistoryGenerator.generate(shape, seed);
        StaleReadPlanter.Plant plant = StaleReadPlanter.plant(events, new SplittableRandom(seed), 0.9);
        return new Case(name, porcupine, List.of(plant.events()));
    }

    private static void write(Path file, List<Event> events) throws IOException {
        try (BufferedWriter out = Files.newBufferedWriter(file, StandardCharsets.UTF_8);
             HistoryWriter writer = new HistoryWriter(out)) {
            for (Event e : events) {
                writer.write(e);
            }
        }
    }

    private record Run(int status, double wall, String err) {
    }

    /** Runs the checker in a fresh JVM; wall time includes the JVM's start. */
    private static Run run(List<String> javaCommand, List<String> files) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(javaCommand);
        command.addAll(List.of("check", "--stats"));
        command.addAll(files);
        long start = System.nanoTime();
        Process p = new ProcessBuilder(command).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        String err = drain(p.getErrorStream());
        int status = p.waitFor();
        return new Run(status, (System.nanoTime() - start) / 1e9, err);
    }

    private static String drain(InputStream in) throws IOException {
        return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
}
