package kvstore.checker.history;

/** The operations of a key-value register, as named by a history's {@code f} field. */
public enum OpKind {
    GET, PUT, DELETE, APPEND, CAS;

    public String wireName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    /**
     * Reads an {@code f} field. Besides our own names it accepts Jepsen's register names ({@code read},
     * {@code write}) so that histories from that ecosystem check without conversion.
     */
    public static OpKind fromWireName(String name) {
        return switch (name) {
            case "get", "read" -> GET;
            case "put", "write" -> PUT;
            case "delete" -> DELETE;
            case "append" -> APPEND;
            case "cas" -> CAS;
            default -> null;
        };
    }
}
