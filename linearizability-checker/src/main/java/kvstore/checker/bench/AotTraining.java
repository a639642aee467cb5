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

    public static void main(String[] args) throws IOException {
        Path dir = Files.createTempDirectory("checker-training");
        try {
            List<String> files = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                WorkloadShape shape = i % 4 == 0 ? WorkloadShape.of(2_000, 8, 20).withMix(0.4, 1, 0, 2, 0)
                        : WorkloadShape.of(150, 5, 1).withValues(5).withUnknownShare(0.05).withConcurrency(3);
                List<Event> events = HistoryGenerator.generate(shape, i);
                if (i % 10 == 5) {
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
