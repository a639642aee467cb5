package kvstore.sim.workload;

import kvstore.checker.history.Event;
import kvstore.checker.history.History;
import kvstore.checker.history.HistoryBuilder;
import kvstore.checker.history.HistoryFormatException;

import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * Records what clients saw, in the checker's format, as it happens, each event stamped with the run's clock: the
 * simulator's virtual time, or a real run's nanoseconds since it started. Faults and view changes go in as notes,
 * between the events they happened between. Safe for many client threads at once: one lock, so that in a real run
 * an invocation is in the history before its request leaves and a completion only after its answer arrived.
 */
public final class HistoryRecorder {
    /** One line of the history as it happened: a client's event, or a note. */
    public sealed interface Line permits Recorded, Note {
    }

    /** A client's event, stamped. */
    public record Recorded(Event event) implements Line {
    }

    /** A fault or a view change, at the time it happened. */
    public record Note(String text, long time) implements Line {
    }

    private final LongSupplier clock;
    private final List<Line> lines = new ArrayList<>();
    private final List<Withdrawn> withdrawn = new ArrayList<>();
    private final HistoryBuilder builder = new HistoryBuilder();

    public HistoryRecorder(LongSupplier clock) {
        this.clock = clock;
    }

    public synchronized void record(Event event) {
        Event timed = event.at(clock.getAsLong());
        lines.add(new Recorded(timed));
        try {
            builder.add(timed);
        } catch (HistoryFormatException e) {
            throw new IllegalStateException("a client broke the history rules: " + e.getMessage(), e);
        }
    }

    /** The open operation of {@code process} never left its client: it is left out (HistoryBuilder#withdraw). */
    public synchronized void withdraw(String process) {
        for (int i = lines.size() - 1; i >= 0; i--) {
            if (lines.get(i) instanceof Recorded r && r.event().process().equals(process)) {
                lines.remove(i); // its invocation: the last event of that process, since it is open
                withdrawn.add(new Withdrawn(r.event(), clock.getAsLong()));
                break;
            }
        }
        builder.withdraw(process);
    }

    /**
     * An operation left out of the history (it never took effect and says nothing the checker needs), kept for
     * reports that count what clients tried: a refused attempt is a failure to them.
     *
     * @param invocation its invocation, as recorded
     * @param at         when it was withdrawn (its failure's time)
     */
    public record Withdrawn(Event invocation, long at) {
    }

    public synchronized List<Withdrawn> withdrawn() {
        return List.copyOf(withdrawn);
    }

    /** A fault or a view change: a note in the history's lines, an annotation for the checker's report. */
    public synchronized void note(String text) {
        lines.add(new Note(text, clock.getAsLong()));
        builder.annotate(0, text);
    }

    public synchronized List<Event> events() {
        return lines.stream().filter(Recorded.class::isInstance).map(l -> ((Recorded) l).event()).toList();
    }

    /** Events and notes, in the order they happened. */
    public synchronized List<Line> lines() {
        return List.copyOf(lines);
    }

    public synchronized History history() {
        return builder.build();
    }
}
