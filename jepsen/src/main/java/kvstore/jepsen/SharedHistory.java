package kvstore.jepsen;

import kvstore.checker.history.Event;
import kvstore.checker.history.History;
import kvstore.checker.history.HistoryBuilder;
import kvstore.checker.history.HistoryFormatException;

import java.util.ArrayList;
import java.util.List;

/**
 * The history of a real run, recorded by many client threads in real-time order: one lock, so an invocation is
 * in the history before its request leaves and a completion after its answer arrived. Times are nanoseconds
 * since the run started.
 */
final class SharedHistory {
    /** A fault or view change, between the events it happened between. */
    record Note(String text, long time) {
    }

    private final long start;
    private final List<Object> lines = new ArrayList<>(); // Events and Notes, in the order they happened
    private final HistoryBuilder builder = new HistoryBuilder();

    SharedHistory(long startNanos) {
        this.start = startNanos;
    }

    synchronized void record(Event event) {
        Event timed = event.at(System.nanoTime() - start);
        lines.add(timed);
        try {
            builder.add(timed);
        } catch (HistoryFormatException e) {
            throw new IllegalStateException("a client broke the history rules: " + e.getMessage(), e);
        }
    }

    /** Records a fault or a view change where it happened: a nemesis line in the file, an annotation for the checker. */
    synchronized void note(String text) {
        lines.add(new Note(text, System.nanoTime() - start));
        builder.annotate(0, text);
    }

    synchronized List<Object> lines() {
        return List.copyOf(lines);
    }

    synchronized History history() {
        return builder.build();
    }
}
