package kvstore.core;

/**
 * What a client asks of the store.
 *
 * @param value    for put: the value; for cas: the new value
 * @param expected for cas: the value it must find, {@code null} meaning "absent"
 */
public record Command(Kind kind, String key, String value, String expected) {
    public enum Kind { GET, PUT, DELETE, CAS, GET_ALL }

    public static Command get(String key) {
        return new Command(Kind.GET, key, null, null);
    }

    public static Command put(String key, String value) {
        return new Command(Kind.PUT, key, value, null);
    }

    public static Command delete(String key) {
        return new Command(Kind.DELETE, key, null, null);
    }

    public static Command cas(String key, String expected, String value) {
        return new Command(Kind.CAS, key, value, expected);
    }

    public static Command getAll() {
        return new Command(Kind.GET_ALL, null, null, null);
    }

    public boolean isRead() {
        return kind == Kind.GET || kind == Kind.GET_ALL;
    }
}
