package kvstore.jepsen;

import kvstore.checker.history.Event;
import kvstore.sim.FailoverTimes;
import kvstore.sim.workload.HistoryRecorder;

import java.util.ArrayList;
import java.util.List;

/** For each kill -9 of the primary: how long until a client's write next succeeded (milliseconds). */
final class FailoverDelays {
    private FailoverDelays() {
    }

    static List<Long> after(List<Long> killNanos, HistoryRecorder history, long startNanos) {
        List<Event> events = history.events();
        List<Long> delays = new ArrayList<>();
        for (long kill : killNanos) {
            long since = kill - startNanos;
            long first = FailoverTimes.firstWriteAfter(events, since);
            if (first >= 0) {
                delays.add((first - since) / 1_000_000);
            }
        }
        return delays;
    }
}
