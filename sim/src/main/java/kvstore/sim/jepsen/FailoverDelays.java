package kvstore.sim.jepsen;

import kvstore.checker.history.Event;
import kvstore.checker.history.EventType;
import kvstore.checker.history.OpKind;

import java.util.ArrayList;
import java.util.List;

/** For each kill -9 of the primary: how long until a client's write next succeeded (milliseconds). */
final class FailoverDelays {
    private FailoverDelays() {
    }

    static List<Long> after(List<Long> killNanos, SharedHistory history, long startNanos) {
        List<Long> delays = new ArrayList<>();
        List<Object> lines = history.lines();
        for (long kill : killNanos) {
            long since = kill - startNanos;
            long first = -1;
            for (Object line : lines) {
                if (line instanceof Event e && e.type() == EventType.OK && e.time() > since
                        && (e.f() == OpKind.PUT || e.f() == OpKind.DELETE || e.f() == OpKind.CAS)) {
                    first = e.time();
                    break; // lines are in real-time order
                }
            }
            if (first >= 0) {
                delays.add((first - since) / 1_000_000);
            }
        }
        return delays;
    }
}
