package kvstore.checker.history;

/**
 * What a failed operation means. The two ecosystems disagree, and a history must be read with the meaning of the
 * client that recorded it (docs/history-format.md).
 */
public enum Semantics {
    /**
     * This project's clients: {@code fail} means the operation did not take effect, and a failed cas also tells
     * that the key did not hold the expected value (the store answers 412 only when the comparison failed).
     * A get's invocation carries no value. The default for JSON Lines.
     */
    KVSTORE,
    /**
     * Jepsen's: {@code :fail} means the operation did not take effect and tells nothing else, whatever {@code f}
     * is (a client may report a cas it never sent as failed), so failed operations are left out, as Knossos's
     * {@code without-failures} does. A value on a read invocation is ignored. The default for EDN.
     */
    JEPSEN;

    public String wireName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    public static Semantics fromWireName(String name) {
        return switch (name) {
            case "kvstore" -> KVSTORE;
            case "jepsen" -> JEPSEN;
            default -> null;
        };
    }
}
