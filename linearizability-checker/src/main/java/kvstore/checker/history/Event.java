package kvstore.checker.history;

/**
 * One line of a history.
 *
 * @param line    1-based line in the source file, 0 for histories built in memory
 * @param process the process (client) that issued the operation, as text ("3")
 * @param type    invoke, or which completion
 * @param f       the operation
 * @param key     the key, or {@code null} for single-register histories that name none
 * @param value   {@code null}, a {@link String}, or a {@link CasArgument}; see docs/history-format.md
 * @param time    wall-clock nanoseconds if recorded, else {@link #NO_TIME}; shown, never used for the verdict
 * @param extras  any other fields, as text for display, or {@code null}
 */
public record Event(int line, String process, EventType type, OpKind f, String key, Object value, long time,
                    String extras) {
    public static final long NO_TIME = Long.MIN_VALUE;

    public static Event invoke(String process, OpKind f, String key, Object value) {
        return new Event(0, process, EventType.INVOKE, f, key, value, NO_TIME, null);
    }

    public static Event completion(String process, EventType type, OpKind f, String key, Object value) {
        return new Event(0, process, type, f, key, value, NO_TIME, null);
    }

    public Event at(long nanos) {
        return new Event(line, process, type, f, key, value, nanos, extras);
    }
}
