package kvstore.sim.nemesis;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * The faults of one run, drawn from its seed, plus the network's flakiness and bandwidth. A failing run's schedule
 * can be shrunk fault by fault and replayed as it is.
 *
 * @param bytesPerMicro each directed link's bandwidth (bytes per microsecond, so MB/s): a message occupies its link
 *                      for its size divided by this, and messages on one link go out one after another
 */
public record FaultSchedule(double dropRate, double duplicateRate, long meanDelayMicros, double bytesPerMicro,
                            List<Fault> faults) {
    public FaultSchedule {
        faults = faults.stream().sorted(Comparator.comparingLong(Fault::at)).toList();
    }

    public static FaultSchedule none() {
        return new FaultSchedule(0, 0, 300, 100, List.of());
    }

    public FaultSchedule without(int index) {
        List<Fault> fewer = new ArrayList<>(faults);
        fewer.remove(index);
        return new FaultSchedule(dropRate, duplicateRate, meanDelayMicros, bytesPerMicro, fewer);
    }

    public FaultSchedule calmNetwork() {
        return new FaultSchedule(0, 0, meanDelayMicros, bytesPerMicro, faults);
    }

    /**
     * Random faults over {@code durationMicros} for nodes n1..nN and controllers ctl1..ctlM, of the enabled kinds
     * only (a draw of a kind not enabled is skipped, so that a run with every kind enabled draws as it always did).
     */
    /** The kinds drawn one fault at a time, each as likely; the kinds added later are drawn after them. */
    private static final Fault.Kind[] DRAWN_IN_TURN = {Fault.Kind.PARTITION, Fault.Kind.CRASH, Fault.Kind.FAILOVER,
            Fault.Kind.CUT_LINKS, Fault.Kind.CONTROLLER_CRASH, Fault.Kind.PAUSE};

    public static FaultSchedule random(SplittableRandom random, int nodes, int controllers, long durationMicros,
                                       Set<Fault.Kind> enabled) {
        double drop = random.nextInt(3) == 0 ? 0 : random.nextDouble() * 0.05;
        double duplicate = random.nextInt(3) == 0 ? 0 : random.nextDouble() * 0.05;
        long delay = 100 + random.nextInt(2_000);
        List<Fault> faults = new ArrayList<>();
        int count = random.nextInt(10);
        for (int i = 0; i < count; i++) {
            long at = 20_000 + (long) (random.nextDouble() * durationMicros);
            long length = 20_000 + (long) (random.nextDouble() * durationMicros / 4);
            Fault.Kind kind = DRAWN_IN_TURN[random.nextInt(DRAWN_IN_TURN.length)]; // each as likely
            if (!enabled.contains(kind)) {
                continue;
            }
            switch (kind) {
                case PARTITION -> {
                    List<String> all = new ArrayList<>();
                    for (int n = 1; n <= nodes; n++) {
                        all.add("n" + n);
                    }
                    int groupCount = 2 + (nodes > 2 && random.nextInt(4) == 0 ? 1 : 0);
                    List<List<String>> groups = new ArrayList<>();
                    for (int g = 0; g < groupCount; g++) {
                        groups.add(new ArrayList<>());
                    }
                    for (String n : all) {
                        groups.get(random.nextInt(groupCount)).add(n);
                    }
                    groups.removeIf(List::isEmpty);
                    if (groups.size() < 2) { // everyone landed together: isolate one node instead
                        String lone = all.get(random.nextInt(nodes));
                        List<String> rest = new ArrayList<>(all);
                        rest.remove(lone);
                        groups = List.of(List.of(lone), rest);
                    }
                    groups = groups.stream().map(g -> (List<String>) new ArrayList<>(g)).toList();
                    for (int c = 1; c <= controllers; c++) { // a controller lands on a random side
                        groups.get(random.nextInt(groups.size())).add("ctl" + c);
                    }
                    faults.add(new Fault.Partition(at, groups, random.nextInt(4) == 0, at + length));
                }
                case CRASH -> faults.add(new Fault.Crash(at, "n" + (1 + random.nextInt(nodes)), at + length));
                case PAUSE -> faults.add(new Fault.Pause(at, "n" + (1 + random.nextInt(nodes)), at + length));
                case FAILOVER -> faults.add(new Fault.Failover(at));
                case CUT_LINKS -> {
                    List<String> ends = new ArrayList<>();
                    for (int n = 1; n <= nodes; n++) {
                        ends.add("n" + n);
                    }
                    for (int c = 1; c <= controllers; c++) {
                        ends.add("ctl" + c);
                    }
                    List<Fault.Link> links = new ArrayList<>();
                    for (int k = 1 + random.nextInt(4); k > 0; k--) {
                        String from = ends.get(random.nextInt(ends.size()));
                        String to = ends.get(random.nextInt(ends.size()));
                        if (!from.equals(to) && !(from.startsWith("ctl") && to.startsWith("ctl"))) {
                            links.add(new Fault.Link(from, to));
                        }
                    }
                    faults.add(new Fault.CutLinks(at, links, at + length));
                }
                case CONTROLLER_CRASH -> faults.add(new Fault.ControllerCrash(at,
                        "ctl" + (1 + random.nextInt(controllers)), at + length));
                case CRASH_ALL -> throw new IllegalStateException("drawn below");
            }
        }
        // 10 to 200 MB/s, log-uniform: from a busy shared link to a fast local one. What a node sends queues behind
        // what it sent before on the same link, as on a TCP connection.
        double bandwidth = 10 * StrictMath.pow(20, random.nextDouble());
        if (enabled.contains(Fault.Kind.CRASH_ALL)) { // drawn last, so that every earlier draw is as it always was
            for (int i = 1 + random.nextInt(3); i > 0; i--) {
                long at = 20_000 + (long) (random.nextDouble() * durationMicros);
                faults.add(new Fault.CrashAll(at, at + 5_000 + (long) (random.nextDouble() * durationMicros / 8)));
            }
        }
        return new FaultSchedule(drop, duplicate, delay, bandwidth, faults);
    }

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder(String.format(java.util.Locale.ROOT,
                "network: drop %.3f, duplicate %.3f, mean delay %d us, %.1f MB/s per link", dropRate, duplicateRate,
                meanDelayMicros, bytesPerMicro));
        for (Fault f : faults) {
            s.append("\n  ").append(f);
        }
        return s.toString();
    }
}
