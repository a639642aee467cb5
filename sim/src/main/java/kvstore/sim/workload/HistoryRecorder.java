package kvstore.sim.workload;

import kvstore.checker.history.Event;
import kvstore.checker.history.History;
import kvstore.checker.history.HistoryBuilder;
import kvstore.checker.history.HistoryFormatException;

import java.util.ArrayList;
import java.util.List;

/** Records what clients saw, in the checker's format, as it happens in virtual time. */
public final class HistoryRecorder {
    private final List<Event> events = new ArrayList<>();
    private final HistoryBuilder builder = new HistoryBuilder();

    public void record(Event event) {
        events.add(event);
        try {
            builder.add(event);
        } catch (HistoryFormatException e) {
            throw new IllegalStateException("the simulated clients broke the history rules: " + e.getMessage(), e);
        }
    }

    public void annotate(String text) {
        builder.annotate(0, text);
    }

    public List<Event> events() {
        return List.copyOf(events);
    }

    public History history() {
        return builder.build();
    }
}
