package kvstore.sim;

import kvstore.checker.history.Event;
import kvstore.checker.history.EventType;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * How available the cluster stayed while faults were in effect (a partition, a cut link, a crashed node): of the
 * client operations invoked during one, how many succeeded rather than failed or ended with an unknown outcome.
 * A whole-store read counts once per key, as the history records it.
 */
public record Availability(int duringFaults, int succeeded) {
    /** The share that succeeded (NaN when no operation was invoked during a fault). */
    public double share() {
        return duringFaults == 0 ? Double.NaN : (double) succeeded / duringFaults;
    }

    /** @param windows when faults were in effect: sorted, disjoint [from, to) intervals of virtual time */
    static Availability of(List<Event> events, List<long[]> windows) {
        Map<String, Long> invokedAt = new HashMap<>();
        int during = 0;
        int ok = 0;
        for (Event e : events) {
            if (e.type() == EventType.INVOKE) {
                invokedAt.put(e.process(), e.time());
                continue;
            }
            Long at = invokedAt.remove(e.process());
            if (at != null && within(at, windows)) {
                during++;
                if (e.type() == EventType.OK) {
                    ok++;
                }
            }
        }
        return new Availability(during, ok);
    }

    private static boolean within(long time, List<long[]> windows) {
        for (long[] w : windows) {
            if (time >= w[0] && time < w[1]) {
                return true;
            }
        }
        return false;
    }
}
