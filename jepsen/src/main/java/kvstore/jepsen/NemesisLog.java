package kvstore.jepsen;

import kvstore.sim.workload.HistoryRecorder;

import java.util.ArrayList;
import java.util.List;

/**
 * What the nemesis and the operator did, when (milliseconds since the run started): the report's fault timeline,
 * and for its plots each fault's interval and each view change's instant.
 */
final class NemesisLog {
    record Entry(long millis, String what) {
        @Override
        public String toString() {
            return String.format("%8.3f s  %s", millis / 1000.0, what);
        }
    }

    /**
     * A fault from the moment it was injected to the moment it was healed ({@code endMillis} -1: never healed).
     *
     * @param kind the nemesis's name for it ({@code pause}, {@code crash-primary}...)
     */
    record Fault(String kind, long startMillis, long endMillis, String what) {
    }

    private final long start = System.nanoTime();
    private final List<Entry> entries = new ArrayList<>();
    private final List<Fault> faults = new ArrayList<>();
    private final List<Entry> viewChanges = new ArrayList<>();
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

    /** A fault begins (the nemesis injects one at a time); it lasts until {@link #faultHealed}. */
    synchronized void faultStarted(String kind, String what) {
        record(what);
        faults.add(new Fault(kind, elapsedMillis(), -1, what));
    }

    synchronized void faultHealed(String what) {
        record(what);
        if (!faults.isEmpty() && faults.getLast().endMillis() < 0) {
            Fault f = faults.removeLast();
            faults.add(new Fault(f.kind(), f.startMillis(), elapsedMillis(), f.what()));
        }
    }

    /** A new view, decided by the controller or installed by the operator. */
    synchronized void viewChanged(String what) {
        record(what);
        viewChanges.add(entries.getLast());
    }

    synchronized List<Entry> entries() {
        return List.copyOf(entries);
    }

    synchronized List<Fault> faults() {
        return List.copyOf(faults);
    }

    synchronized List<Entry> viewChanges() {
        return List.copyOf(viewChanges);
    }
}
