package kvstore.jepsen;

import kvstore.sim.workload.HistoryRecorder;

import java.util.ArrayList;
import java.util.List;

/** What the nemesis and the operator did, when (milliseconds since the run started): the report's fault timeline. */
final class NemesisLog {
    record Entry(long millis, String what) {
        @Override
        public String toString() {
            return String.format("%8.3f s  %s", millis / 1000.0, what);
        }
    }

    private final long start = System.nanoTime();
    private final List<Entry> entries = new ArrayList<>();
    private HistoryRecorder history; // once the clients start, entries also go into the history, where they happened

    synchronized void alsoInto(HistoryRecorder h) {
        this.history = h;
    }

    long elapsedMillis() {
        return (System.nanoTime() - start) / 1_000_000;
    }

    long startNanos() {
        return start;
    }

    synchronized void record(String what) {
        entries.add(new Entry(elapsedMillis(), what));
        if (history != null) {
            history.note(what);
        }
    }

    synchronized List<Entry> entries() {
        return List.copyOf(entries);
    }
}
