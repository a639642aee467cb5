package kvstore.checker.history;

/** An EDN keyword such as {@code :invoke}, as read from a Jepsen-style history line. */
record Keyword(String name) {
    @Override
    public String toString() {
        return ":" + name;
    }
}
