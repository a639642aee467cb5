package kvstore.checker;

import kvstore.checker.history.Event;
import kvstore.checker.history.EventType;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Shrinks a failing history for a test report: removes whole operations (an invocation and its completion)
 * while the failure persists, so what is printed is small enough to read.
 */
public final class HistoryShrinker {
    private HistoryShrinker() {
    }

    public static List<Event> shrink(List<Event> events, Predicate<List<Event>> stillFails) {
        List<Event> current = events;
        boolean progress = true;
        while (progress) {
            progress = false;
            List<int[]> ops = operations(current);
            for (int i = ops.size() - 1; i >= 0; i--) {
                List<Event> candidate = without(current, ops.get(i));
                if (stillFails.test(candidate)) {
                    current = candidate;
                    progress = true;
                    break;
                }
            }
        }
        return current;
    }

    /** Each operation's event indexes: {invoke, completion} (completion -1 if it has none). */
    private static List<int[]> operations(List<Event> events) {
        List<int[]> ops = new ArrayList<>();
        Map<String, int[]> open = new HashMap<>();
        for (int i = 0; i < events.size(); i++) {
            Event e = events.get(i);
            if (e.type() == EventType.INVOKE) {
                int[] op = {i, -1};
                ops.add(op);
                open.put(e.process(), op);
            } else {
                int[] op = open.remove(e.process());
                if (op != null) {
                    op[1] = i;
                }
            }
        }
        return ops;
    }

    private static List<Event> without(List<Event> events, int[] op) {
        List<Event> out = new ArrayList<>(events.size());
        for (int i = 0; i < events.size(); i++) {
            if (i != op[0] && i != op[1]) {
                out.add(events.get(i));
            }
        }
        return out;
    }
}
