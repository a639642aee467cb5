package kvstore.checker.history;

/** How an operation completed. An operation still open when the history ends is {@link #INFO}. */
public enum Outcome {
    OK, FAIL, INFO
}
