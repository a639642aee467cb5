package kvstore.checker.history;

/** The value of a {@code cas} event: {@code [expected, update]}; {@code expected == null} means "key absent". */
public record CasArgument(String expected, String update) {
    public CasArgument {
        if (update == null) {
            throw new IllegalArgumentException("a cas needs a new value");
        }
    }
}
