package kvstore.sim;

import kvstore.sim.nemesis.FaultSchedule;

import java.util.Locale;

/**
 * Prints the simulator's speed: delivered messages per second (simulation only) and checked runs per minute
 * (3 nodes, about 1,000 client operations, faults on, history checked). {@code ./kv bench-sim [--seconds N]}
 */
public final class SimBenchmark {
    private SimBenchmark() {
    }

    public static void main(String[] args) {
        double seconds = args.length == 2 && args[0].equals("--seconds") ? Double.parseDouble(args[1]) : 20;
        SimConfig config = SimConfig.defaults();
        for (long warm = 1; warm <= 30; warm++) { // let the JIT compile before measuring
            SeededRun.of(config, 1_000_000 + warm);
        }
        long messages = 0;
        long runs = 0;
        long simNanos = 0;
        long start = System.nanoTime();
        long seed = 1;
        while (System.nanoTime() - start < seconds * 1e9) {
            FaultSchedule schedule = SeededRun.scheduleFor(config, seed);
            long t0 = System.nanoTime();
            RunResult run = new Simulation(config, seed, schedule, false).run();
            simNanos += System.nanoTime() - t0;
            messages += run.deliveredMessages();
            seed++;
        }
        start = System.nanoTime();
        long checkedStart = start;
        while (System.nanoTime() - checkedStart < seconds * 1e9) {
            SeededRun.of(config, seed++);
            runs++;
        }
        double checkedSeconds = (System.nanoTime() - checkedStart) / 1e9;
        System.out.printf(Locale.ROOT, "simulation only: %,d messages delivered in %.2f s of one core: %,.0f messages/s%n",
                messages, simNanos / 1e9, messages / (simNanos / 1e9));
        System.out.printf(Locale.ROOT, "checked runs (simulate + check + lost-write check): %d in %.1f s: %.0f runs/min"
                + " on one thread%n", runs, checkedSeconds, runs * 60 / checkedSeconds);
    }
}
