package kvstore.checker.history;

import java.util.List;

/**
 * Turns one parsed line (JSON or EDN, its fields as plain values) into an {@link Event}, or says
 * what is wrong with it. Field names are those of docs/history-format.md; EDN keywords stand for strings.
 */
final class EventDecoder {
    private EventDecoder() {
    }

    /** The decoded event, or {@code null} when the line is an annotation (a nemesis event) rather than an op. */
    static Event decode(RawEvent fields, int line, HistoryBuilder annotations)
            throws HistoryFormatException {
        Object process = fields.process;
        if (process == null) {
            throw new HistoryFormatException(line, "missing field \"process\"");
        }
        if (isNemesis(process)) {
            annotations.annotate(line, describeAnnotation(fields));
            return null;
        }
        String processName = switch (process) {
            case Long l -> l.toString();
            case String s -> s;
            case Keyword k -> k.name();
            default -> throw new HistoryFormatException(line, "\"process\" must be a number or a string, not "
                    + process);
        };
        EventType type = EventType.fromWireName(name(fields.type, "type", line));
        if (type == null) {
            throw new HistoryFormatException(line, "\"type\" must be invoke, ok, fail or info, not "
                    + fields.type);
        }
        String fName = name(fields.f, "f", line);
        OpKind f = OpKind.fromWireName(fName);
        if (f == null) {
            throw new HistoryFormatException(line, "unknown f \"" + fName
                    + "\" (expected get, put, delete, append or cas)");
        }
        Object rawKey = fields.key;
        String key = switch (rawKey) {
            case null -> null;
            case String s -> s;
            case Long l -> l.toString();
            case Keyword k -> k.name();
            default -> throw new HistoryFormatException(line, "\"key\" must be a string, not " + rawKey);
        };
        Object value = value(fields.value, f, type, line);
        long time = Event.NO_TIME;
        if (fields.time instanceof Long t) {
            time = t;
        }
        return new Event(line, processName, type, f, key, value, time,
                fields.extras == null ? null : fields.extras.toString());
    }

    private static boolean isNemesis(Object process) {
        return (process instanceof Keyword k && k.name().equals("nemesis"))
                || (process instanceof String s && s.equals("nemesis"));
    }

    private static String name(Object raw, String field, int line) throws HistoryFormatException {
        return switch (raw) {
            case null -> throw new HistoryFormatException(line, "missing field \"" + field + "\"");
            case String s -> s;
            case Keyword k -> k.name();
            default -> throw new HistoryFormatException(line, "\"" + field + "\" must be a string, not " + raw);
        };
    }

    /**
     * The value in the shape the builder expects. Numbers become their decimal text, so Jepsen's integer
     * registers check as strings. Completion values other than a get's result are informational (Jepsen echoes
     * the invocation, or writes {@code :timed-out}) and are not kept.
     */
    private static Object value(Object raw, OpKind f, EventType type, int line) throws HistoryFormatException {
        boolean carriesValue = type == EventType.INVOKE || (f == OpKind.GET && type == EventType.OK);
        if (!carriesValue) {
            return null;
        }
        if (f == OpKind.CAS) {
            if (raw instanceof List<?> list && list.size() == 2) {
                String update = scalar(list.get(1), "the new value of a cas", line);
                if (update == null) {
                    throw new HistoryFormatException(line, "the new value of a cas must be a string, not null");
                }
                return new CasArgument(scalar(list.get(0), "the expected value of a cas", line), update);
            }
            throw new HistoryFormatException(line, "the value of a cas invoke must be [expected, new], not "
                    + render(raw));
        }
        return scalar(raw, "the value of a " + f.wireName() + " " + type.wireName(), line);
    }

    private static String scalar(Object raw, String what, int line) throws HistoryFormatException {
        return switch (raw) {
            case null -> null;
            case String s -> s;
            case Long l -> l.toString();
            default -> throw new HistoryFormatException(line, what + " must be a string or null, not "
                    + render(raw));
        };
    }

    private static String render(Object raw) {
        if (raw instanceof String s) {
            return '"' + s + '"';
        }
        return String.valueOf(raw);
    }

    private static String describeAnnotation(RawEvent fields) {
        StringBuilder out = new StringBuilder("nemesis");
        for (Object v : new Object[] {fields.type, fields.f, fields.value}) {
            if (v != null) {
                out.append(' ').append(v instanceof Keyword k ? k.name() : render(v));
            }
        }
        return out.toString();
    }
}
