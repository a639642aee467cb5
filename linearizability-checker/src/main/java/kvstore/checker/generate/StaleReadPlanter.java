package kvstore.checker.generate;

import kvstore.checker.history.Event;
import kvstore.checker.history.EventType;
import kvstore.checker.history.History;
import kvstore.checker.history.HistoryBuilder;
import kvstore.checker.history.HistoryFormatException;
import kvstore.checker.history.OpKind;
import kvstore.checker.history.Operation;
import kvstore.checker.history.Outcome;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Makes a linearizable history non-linearizable in a known way: one ok get is changed to return a value that
 * was written, then overwritten, before the get was invoked. With unique values no order can explain it.
 */
public final class StaleReadPlanter {
    private StaleReadPlanter() {
    }

    /**
     * @param read        the get whose result was replaced
     * @param overwritten the write whose value it now returns
     */
    public record Plant(List<Event> events, Operation read, Operation overwritten) {
    }

    /** As {@link #plant(List, History, SplittableRandom, double)}, for events known to form a valid history. */
    public static Plant plant(List<Event> events, SplittableRandom random, double fromFraction) {
        HistoryBuilder builder = new HistoryBuilder();
        try {
            for (Event e : events) {
                builder.add(e);
            }
        } catch (HistoryFormatException e) {
            throw new IllegalArgumentException("not a valid history: " + e.getMessage(), e);
        }
        return plant(events, builder.build(), random, fromFraction);
    }

    /**
     * Plants a stale read into {@code events}, preferring reads at or after {@code fromFraction} of the history
     * (0: anywhere); {@code null} if the history has no read that can go stale.
     */
    public static Plant plant(List<Event> events, History history, SplittableRandom random, double fromFraction) {
        List<Operation[]> candidates = new ArrayList<>();
        int from = (int) (history.eventCount() * fromFraction);
        for (List<Operation> ops : history.byKey().values()) {
            List<Operation> writes = ops.stream()
                    .filter(op -> op.kind() == OpKind.PUT && op.outcome() == Outcome.OK).toList();
            for (Operation read : ops) {
                if (read.kind() != OpKind.GET || read.outcome() != Outcome.OK || read.call() < from) {
                    continue;
                }
                for (int i = writes.size() - 1; i >= 0; i--) { // the most recent qualifying write first
                    Operation first = writes.get(i);
                    if (!first.precedes(read) || first.value().equals(read.value())) {
                        continue;
                    }
                    boolean overwritten = writes.stream().anyMatch(w -> first.precedes(w) && w.precedes(read));
                    if (overwritten) {
                        candidates.add(new Operation[] {read, first});
                        break;
                    }
                }
            }
        }
        if (candidates.isEmpty()) {
            return null;
        }
        Operation[] pick = candidates.get(random.nextInt(candidates.size()));
        Operation read = pick[0];
        List<Event> planted = new ArrayList<>(events);
        planted.set(read.ret(), Event.completion(read.process(), EventType.OK, OpKind.GET, read.key(),
                pick[1].value()));
        return new Plant(planted, read, pick[1]);
    }
}
