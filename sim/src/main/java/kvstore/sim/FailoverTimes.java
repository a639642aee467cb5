package kvstore.sim;

import kvstore.checker.history.Event;
import kvstore.checker.history.EventType;
import kvstore.checker.history.OpKind;
import kvstore.sim.nemesis.Fault;
import kvstore.sim.nemesis.FaultSchedule;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * How long a client waits for a successful write after the primary dies, with the failover controller in charge,
 * in virtual time: {@code ./kv bench-failover [--runs N]}. Each run: 3 nodes, 4 clients, one controller, a calm
 * network whose delays vary by seed (mean 100 us to 1 ms), the primary killed at 300 ms. The time is from the
 * kill to the completion of the first write acknowledged after it, as a client saw it (clients wait 150 ms for
 * an answer before they retry elsewhere, which is part of the figure). Every run is also checked.
 */
public final class FailoverTimes {
    private static final long CRASH_AT = 300_000;

    private FailoverTimes() {
    }

    public static void main(String[] args) {
        int runs = args.length == 2 && args[0].equals("--runs") ? Integer.parseInt(args[1]) : 200;
        SimConfig config = SimConfig.defaults().withOperations(2_000);
        List<Long> times = new ArrayList<>();
        for (long seed = 1; seed <= runs; seed++) {
            long meanDelay = 100 + new SplittableRandom(seed).nextInt(900);
            FaultSchedule schedule = new FaultSchedule(0, 0, meanDelay, 100,
                    List.of(new Fault.CrashPrimary(CRASH_AT, CRASH_AT + 3_000_000)));
            SeededRun run = SeededRun.of(config, seed, schedule);
            if (run.failed()) {
                System.out.println("FAILED " + run.describe());
                System.exit(1);
            }
            long firstWrite = firstWriteAfter(run.run().events(), CRASH_AT);
            if (firstWrite < 0) {
                System.out.println("seed " + seed + ": no write succeeded after the kill");
                System.exit(1);
            }
            times.add(firstWrite - CRASH_AT);
        }
        times.sort(null);
        System.out.printf(Locale.ROOT, "%d runs, primary killed at 300 ms, first successful write after it "
                        + "(virtual time): p50 %.1f ms, p90 %.1f ms, p99 %.1f ms, max %.1f ms%n", runs,
                at(times, 0.50), at(times, 0.90), at(times, 0.99), times.getLast() / 1000.0);
    }

    /**
     * When the first write invoked after {@code time} and acknowledged completed (-1: none), in the events' own
     * time unit: a write in flight at {@code time} may have been acknowledged before it, its answer still on its
     * way.
     */
    public static long firstWriteInvokedAfter(List<Event> events, long time) {
        java.util.Map<String, Long> invokedAt = new java.util.HashMap<>();
        long first = -1;
        for (Event e : events) {
            if (e.type() == EventType.INVOKE) {
                invokedAt.put(e.process(), e.time());
                continue;
            }
            Long invoked = invokedAt.remove(e.process());
            boolean write = e.f() == OpKind.PUT || e.f() == OpKind.DELETE || e.f() == OpKind.CAS;
            if (e.type() == EventType.OK && write && invoked != null && invoked > time
                    && (first < 0 || e.time() < first)) {
                first = e.time();
            }
        }
        return first;
    }

    /** When the first write acknowledged after {@code time} completed (-1: none), in the events' own time unit. */
    public static long firstWriteAfter(List<Event> events, long time) {
        long first = -1;
        for (Event e : events) {
            boolean write = e.f() == OpKind.PUT || e.f() == OpKind.DELETE || e.f() == OpKind.CAS;
            if (e.type() == EventType.OK && write && e.time() > time && (first < 0 || e.time() < first)) {
                first = e.time();
            }
        }
        return first;
    }

    private static double at(List<Long> sorted, double q) {
        return SweepReport.percentile(sorted, q) / 1000.0;
    }
}
