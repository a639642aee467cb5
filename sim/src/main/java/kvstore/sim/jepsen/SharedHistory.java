package kvstore.sim.jepsen;

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
    private final long start;
    private final List<Event> events = new ArrayList<>();
    private final HistoryBuilder builder = new HistoryBuilder();

    SharedHistory(long startNanos) {
        this.start = startNanos;
    }

    synchronized void record(Event event) {
        Event timed = event.at(System.nanoTime() - start);
        events.add(timed);
        try {
            builder.add(timed);
        } catch (HistoryFormatException e) {
            throw new IllegalStateException("a client broke the history rules: " + e.getMessage(), e);
        }
    }

    synchronized List<Event> events() {
        return List.copyOf(events);
    }

    synchronized History history() {
        return builder.build();
    }
}
