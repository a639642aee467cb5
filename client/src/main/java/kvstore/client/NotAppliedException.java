package kvstore.client;

/**
 * The operation certainly did not happen, and never will: every attempt was refused before the primary ordered it,
 * or never reached a node. Also every failed read (a read changes nothing), and a request the store rejects as
 * malformed (a 4xx, which retrying does not change).
 */
public final class NotAppliedException extends KvException {
    NotAppliedException(String message, int status, int attempts) {
        super(message, status, attempts);
    }

    @Override
    public boolean mayHaveHappened() {
        return false;
    }
}
