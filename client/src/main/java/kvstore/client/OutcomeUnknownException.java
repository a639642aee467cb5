package kvstore.client;

/**
 * The write may have happened, or may still: some attempt reached the primary and was not answered, or was
 * answered "not acknowledged" (a 503 without {@code "attemptApplied": false}), and no later attempt found out. It
 * was sent with one Idempotency-Key throughout, so it is applied at most once however many attempts there were.
 */
public final class OutcomeUnknownException extends KvException {
    OutcomeUnknownException(String message, int status, int attempts) {
        super(message, status, attempts);
    }

    @Override
    public boolean mayHaveHappened() {
        return true;
    }
}
