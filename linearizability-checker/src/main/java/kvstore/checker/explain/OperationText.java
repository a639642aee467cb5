package kvstore.checker.explain;

import kvstore.checker.history.Operation;
import kvstore.checker.history.Outcome;

/** Operations in words, the same way in every report. Times are event positions: t0 is the history's first event. */
public final class OperationText {
    private static final int MAX_VALUE_CHARS = 60;

    private OperationText() {
    }

    /** "process 3 read "1" at [t5, t9]". */
    public static String describe(Operation op) {
        return "process " + op.process() + " " + action(op) + " at " + interval(op);
    }

    /** "[t5, t9]", or "[t5, ?]" when it has no known completion (unknown outcome, or after a prefix's end). */
    public static String interval(Operation op) {
        return "[t" + op.call() + ", " + (op.isOpenEnded() ? "?" : "t" + op.ret()) + "]";
    }

    /** What the operation did, in words: "read "1"", "wrote "2" (outcome unknown)". */
    public static String action(Operation op) {
        String unknown = op.outcome() == Outcome.INFO ? " (outcome unknown)" : "";
        return switch (op.kind()) {
            case GET -> op.outcome() == Outcome.OK
                    ? (op.value() == null ? "read nothing (absent)" : "read " + value(op.value()))
                    : "tried to read" + unknown;
            case PUT -> "wrote " + value(op.value()) + unknown;
            case DELETE -> "deleted the key" + unknown;
            case APPEND -> "appended " + value(op.value()) + unknown;
            case CAS -> switch (op.outcome()) {
                case OK -> "swapped " + value(op.expected()) + " for " + value(op.value());
                case FAIL -> "failed to swap " + value(op.expected()) + " for " + value(op.value());
                case INFO -> "tried to swap " + value(op.expected()) + " for " + value(op.value()) + unknown;
            };
        };
    }

    /** A value as the reports show it: quoted and escaped, long ones shortened; {@code null} is "absent". */
    public static String value(String v) {
        if (v == null) {
            return "absent";
        }
        StringBuilder out = new StringBuilder("\"");
        int limit = Math.min(v.length(), MAX_VALUE_CHARS);
        for (int i = 0; i < limit; i++) {
            char c = v.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        if (v.length() > limit) {
            out.append("…(").append(v.length()).append(" chars)");
        }
        return out.append('"').toString();
    }

    /** A key as the reports show it. */
    public static String key(String key) {
        return key == null ? "(the register)" : value(key);
    }
}
