package kvstore.checker.history;

/** The four kinds of history event. Every operation is an {@code INVOKE} followed by one completion. */
public enum EventType {
    INVOKE,
    /** The operation took effect, with the recorded result. */
    OK,
    /** The operation did not take effect (for a {@code cas}: its comparison failed). */
    FAIL,
    /** Unknown: the operation may take effect at any point after its invocation, or never. */
    INFO;

    public String wireName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    public static EventType fromWireName(String name) {
        return switch (name) {
            case "invoke" -> INVOKE;
            case "ok" -> OK;
            case "fail" -> FAIL;
            case "info" -> INFO;
            default -> null;
        };
    }
}
