package kvstore.checker.bench;

import kvstore.checker.cli.CheckerMain;
import kvstore.checker.generate.HistoryGenerator;
import kvstore.checker.generate.StaleReadPlanter;
import kvstore.checker.generate.WorkloadShape;
import kvstore.checker.history.Event;
import kvstore.checker.history.HistoryWriter;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A short, typical run of the command line, for the JVM to record an ahead-of-time cache from
 * ({@code -XX:AOTCacheOutput}, JDK 25+). With the cache, {@code ./kv check} starts with classes loaded and linked
 * and methods profiled, which roughly halves start-up and warm-up on small histories.
 */
public final class AotTraining {
    private AotTraining() {
    }

    /** A Jepsen-style history file: a vector of op maps, a comment, failed and unknown cas. */
    private static Path jepsenHistory(Path file) throws IOException {
        StringBuilder edn = new StringBuilder("; as Jepsen writes them\n[");
        SplittableRandom random = new SplittableRandom(7);
        for (int i = 0; i < 300; i++) {
            int p = i % 5;
            String[] op = switch (random.nextInt(3)) {
                case 0 -> new String[] {":read", "nil", random.nextBoolean() ? "nil" : Integer.toString(i - 1)};
                case 1 -> new String[] {":write", Integer.toString(i), Integer.toString(i)};
                default -> new String[] {":cas", "[" + (i - 1) + " " + i + "]", "[" + (i - 1) + " " + i + "]"};
            };
            String type = op[0].equals(":cas") ? (random.nextBoolean() ? ":fail" : ":info") : ":ok";
            edn.append("{:process ").append(p).append(", :type :invoke, :f ").append(op[0]).append(", :value ")
                    .append(op[1]).append(", :time ").append(i).append("}\n {:process ").append(p)
                    .append(", :type ").append(type).append(", :f ").append(op[0]).append(", :value ").append(op[2])
                    .append("}\n");
        }
        Files.writeString(file, edn.append("]\n"));
        return file;
    }

    public static void main(String[] args) throws IOException {
        Path dir = Files.createTempDirectory("checker-training");
        try {
            List<String> files = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                WorkloadShape shape = i % 4 == 0 ? WorkloadShape.of(2_000, 8, 20).withMix(0.4, 1, 0, 2, 0)
                        : i % 5 == 2 ? WorkloadShape.of(1_000, 10, 1).withUnknownShare(0.02) // distinct values
                        : WorkloadShape.of(150, 5, 1).withValues(5).withUnknownShare(0.05).withConcurrency(3);
                List<Event> events = HistoryGenerator.generate(shape, i);
                if (i % 10 == 5 || i % 10 == 2 || i % 8 == 4) { // violations: searched, reasoned, appended
                    var plant = StaleReadPlanter.plant(events, new SplittableRandom(i), 0);
                    events = plant == null ? events : plant.events();
                }
                Path file = dir.resolve("h" + i + ".jsonl");
                try (HistoryWriter w = new HistoryWriter(Files.newBufferedWriter(file, StandardCharsets.UTF_8))) {
                    for (Event e : events) {
                        w.write(e);
                    }
                }
                files.add(file.toString());
            }
            files.add(jepsenHistory(dir.resolve("jepsen.edn")).toString());
            List<String> command = new ArrayList<>(List.of("check"));
            command.addAll(files);
            PrintStream nowhere = new PrintStream(OutputStream.nullOutputStream(), true, StandardCharsets.UTF_8);
            CheckerMain.run(command.toArray(new String[0]), nowhere, nowhere);
        } finally {
            try (var paths = Files.walk(dir)) {
                paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }
}
