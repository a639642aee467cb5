package kvstore.sim;

import kvstore.core.Bug;
import kvstore.sim.nemesis.Fault;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * A long sweep over seeds, with a progress line: {@code ./kv sim-sweep [--from N] [--seeds N] [--ops N]
 * [--controllers N] [--views MODE] [--fixed-shape] [--faults LIST] [--bug NAME]}. Each seed draws its run's shape (swarm testing,
 * {@link SimConfig#forSeed}) unless {@code --fixed-shape}. Stops at the first failing seed, shrinks it, writes its
 * artifacts and prints how to replay it; at the end, prints the availability during faults, the time to serve
 * again after them and the failover times, over the runs, and writes their distributions ({@link SweepReport}).
 */
public final class Sweep {
    private Sweep() {
    }

    public static void main(String[] args) {
        long from = 1;
        long count = 1_000;
        SimConfig config = SimConfig.swarmTesting();
        Set<Bug> bugs = EnumSet.noneOf(Bug.class);
        List<String> shapeArgs = new ArrayList<>(); // what the replay command repeats
        for (int i = 0; i < args.length; i++) {
            String flag = args[i];
            int flagAt = i;
            switch (flag) {
                case "--from" -> from = Long.parseLong(args[++i]);
                case "--seeds" -> count = Long.parseLong(args[++i]);
                case "--ops" -> config = config.withOperations(Integer.parseInt(args[++i]));
                case "--bug" -> bugs.add(Bug.valueOf(args[++i]));
                case "--controllers" -> config = config.withControllers(Integer.parseInt(args[++i]));
                case "--views" -> config = config.withViews(SimConfig.Views.valueOf(
                        args[++i].toUpperCase(Locale.ROOT).replace('-', '_')));
                case "--fixed-shape" -> config = config.withSwarm(false);
                case "--disks" -> config = config.withDisks(SimConfig.Disks.valueOf(args[++i].toUpperCase(Locale.ROOT)));
                case "--faults" -> {
                    try {
                        config = config.withFaultKinds(Fault.Kind.parse(args[++i]));
                    } catch (IllegalArgumentException e) {
                        System.err.println("sim-sweep: " + e.getMessage());
                        System.exit(2);
                    }
                }
                default -> {
                    System.err.println("usage: sim-sweep [--from N] [--seeds N] [--ops N] [--controllers N] [--views "
                            + "controllers|operator|operator-then-controllers|controllers-then-operator|drawn] "
                            + "[--fixed-shape] [--disks none|all|drawn] [--faults " + Fault.Kind.names() + ",all,none] [--bug "
                            + Arrays.toString(Bug.values()) + "]");
                    System.exit(2);
                }
            }
            if (!flag.equals("--from") && !flag.equals("--seeds")) {
                shapeArgs.addAll(Arrays.asList(args).subList(flagAt, i + 1)); // the flag and its value
            }
        }
        config = config.withBugs(bugs);
        SweepReport report = new SweepReport();
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
                        + "\nreplay: ./kv sim-sweep --from " + seed + " --seeds 1"
                        + (shapeArgs.isEmpty() ? "" : " " + String.join(" ", shapeArgs)));
                System.exit(1);
            }
            report.add(run);
        }
        System.out.println("\nall " + count + " seeds passed");
        System.out.println(report.summary());
        Path page = Path.of("sim", "target", "sim-sweep", "report.html");
        report.write(page, "./kv sim-sweep --from " + from + " --seeds " + count
                + (shapeArgs.isEmpty() ? "" : " " + String.join(" ", shapeArgs)));
        System.out.println("distributions: " + page.toAbsolutePath());
    }
}
