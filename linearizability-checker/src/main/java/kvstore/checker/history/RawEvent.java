package kvstore.checker.history;

/**
 * One line's fields as parsed, before validation: plain values (String, Long, Double, Boolean, List, Map,
 * {@link Keyword}, or null). Both the JSON and the EDN reader fill one in; {@link EventDecoder} checks it.
 */
final class RawEvent {
    Object process;
    Object type;
    Object f;
    Object key;
    Object value;
    Object time;
    StringBuilder extras;

    void set(String field, Object v) {
        switch (field) {
            case "process" -> process = v;
            case "type" -> type = v;
            case "f" -> f = v;
            case "key" -> key = v;
            case "value" -> value = v;
            case "time" -> time = v;
            default -> {
                extras = extras == null ? new StringBuilder() : extras.append(", ");
                extras.append(field).append('=').append(v instanceof String s ? '"' + s + '"' : String.valueOf(v));
            }
        }
    }
}
