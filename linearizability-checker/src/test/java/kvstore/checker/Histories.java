package kvstore.checker;

import kvstore.checker.history.CasArgument;
import kvstore.checker.history.Event;
import kvstore.checker.history.EventType;
import kvstore.checker.history.History;
import kvstore.checker.history.HistoryBuilder;
import kvstore.checker.history.HistoryFormatException;
import kvstore.checker.history.HistoryWriter;
import kvstore.checker.history.OpKind;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Histories for tests, one event per line in a short form: {@code "3 invoke put x 1"}, {@code "3 ok get x 1"},
 * {@code "2 invoke cas x 1 2"}; {@code _} stands for null (absent), {@code ''} for the empty string.
 */
public final class Histories {
    private Histories() {
    }

    public static History of(String... lines) {
        return build(events(lines));
    }

    public static List<Event> events(String... lines) {
        List<Event> events = new ArrayList<>();
        for (String line : lines) {
            String[] w = line.trim().split("\\s+");
            EventType type = EventType.fromWireName(w[1]);
            OpKind f = OpKind.fromWireName(w[2]);
            String key = w.length > 3 ? w[3] : null;
            Object value = null;
            if (f == OpKind.CAS && type == EventType.INVOKE) {
                value = new CasArgument(nullable(w[4]), nullable(w[5]));
            } else if (w.length > 4) {
                value = nullable(w[4]);
            }
            events.add(type == EventType.INVOKE ? Event.invoke(w[0], f, key, value)
                    : Event.completion(w[0], type, f, key, value));
        }
        return events;
    }

    public static History build(List<Event> events) {
        HistoryBuilder builder = new HistoryBuilder();
        try {
            for (Event e : events) {
                builder.add(e);
            }
        } catch (HistoryFormatException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
        return builder.build();
    }

    public static String toJsonLines(List<Event> events) {
        StringWriter out = new StringWriter();
        try (HistoryWriter writer = new HistoryWriter(out)) {
            for (Event e : events) {
                writer.write(e);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }

    private static String nullable(String s) {
        return switch (s) {
            case "_" -> null;
            case "''" -> "";
            default -> s;
        };
    }
}
