package kvstore.client;

/**
 * An operation that did not succeed, after the retries the client was allowed. Which subclass says what a caller
 * most needs to know about a write: {@link NotAppliedException}, it certainly did not happen; {@link
 * OutcomeUnknownException}, it may have happened, or may still (read the key to find out, or repeat the write,
 * which is safe only if it is idempotent in your application).
 */
public abstract sealed class KvException extends RuntimeException
        permits NotAppliedException, OutcomeUnknownException {
    private final int status;
    private final int attempts;

    KvException(String message, int status, int attempts) {
        super(message);
        this.status = status;
        this.attempts = attempts;
    }

    /** Whether the operation may have taken effect. */
    public abstract boolean mayHaveHappened();

    /** The HTTP status of the last answer (0: the last attempt got none). */
    public int status() {
        return status;
    }

    /** How many times the operation was sent, or tried to be. */
    public int attempts() {
        return attempts;
    }
}
