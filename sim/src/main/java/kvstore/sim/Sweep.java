package kvstore.sim;

import kvstore.core.Bug;

import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/**
 * A long sweep over seeds, with a progress line: {@code ./kv sim-sweep [--from N] [--seeds N] [--ops N]
 * [--controllers N] [--views MODE] [--bug NAME]}. Stops at the first failing seed, shrinks it, writes its artifacts and prints how to replay it.
 */
public final class Sweep {
    private Sweep() {
    }

    public static void main(String[] args) {
        long from = 1;
        long count = 1_000;
        SimConfig config = SimConfig.defaults();
        Set<Bug> bugs = EnumSet.noneOf(Bug.class);
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--from" -> from = Long.parseLong(args[++i]);
                case "--seeds" -> count = Long.parseLong(args[++i]);
                case "--ops" -> config = config.withOperations(Integer.parseInt(args[++i]));
                case "--bug" -> bugs.add(Bug.valueOf(args[++i]));
                case "--controllers" -> config = config.withControllers(Integer.parseInt(args[++i]));
                case "--views" -> config = config.withViews(SimConfig.Views.valueOf(
                        args[++i].toUpperCase(Locale.ROOT).replace('-', '_')));
                default -> {
                    System.err.println("usage: sim-sweep [--from N] [--seeds N] [--ops N] [--controllers N] [--views "
                            + "controllers|operator|operator-then-controllers|controllers-then-operator|drawn] [--bug "
                            + java.util.Arrays.toString(Bug.values()) + "]");
                    System.exit(2);
                }
            }
        }
        config = config.withBugs(bugs);
        long start = System.nanoTime();
        for (long seed = from; seed < from + count; seed++) {
            SeededRun run = SeededRun.of(config, seed);
            long done = seed - from + 1;
            if (done % 50 == 0 || run.failed()) {
                double s = (System.nanoTime() - start) / 1e9;
                System.out.printf(Locale.ROOT, "\r%d/%d seeds, %.0f runs/min, last seed %d   ", done, count,
                        done * 60 / s, seed);
            }
            if (run.failed()) {
                SeededRun small = ScheduleShrinker.shrink(run, 60);
                Path dir = small.writeArtifacts(Path.of("sim", "target", "sim-failures"));
                System.out.println("\nFAILED " + small.describe() + "\nartifacts: " + dir.toAbsolutePath()
                        + "\nreplay: ./kv test -pl sim -am -Dtest=RandomizedRunsTest -Dseed=" + seed
                        + " -Dsurefire.failIfNoSpecifiedTests=false");
                System.exit(1);
            }
        }
        System.out.println("\nall " + count + " seeds passed");
    }
}
