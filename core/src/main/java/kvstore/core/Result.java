package kvstore.core;

import java.util.Map;

/**
 * The answer to a command.
 *
 * @param value    get: the value read; cas mismatch: the current value
 * @param all      get-all: every key and value
 * @param seq      the operation's position in the primary's total order (0 when unavailable; {@link #NOT_APPLIED}
 *                 when refused before it could be ordered)
 * @param detail   why, for {@link Status#UNAVAILABLE}
 */
public record Result(Status status, String value, Map<String, String> all, long seq, String detail) {
    public enum Status {
        /** Done: a get found the key, a put created it, a delete removed it, a cas swapped. */
        OK,
        /** A put replaced an existing value. */
        UPDATED,
        /** A get or delete found no such key. */
        NOT_FOUND,
        /** A cas found another value (in {@code value}; null: absent). Nothing changed. */
        CAS_MISMATCH,
        /**
         * Not acknowledged: no view, not in the view, the primary unreachable, or the replicas did not all confirm
         * in time. A write may still take effect later; it was never acknowledged.
         */
        UNAVAILABLE,
        /**
         * Refused: the write would take the store past its quota (see {@code Replica.limitStore}). Deleting keys
         * makes room; retrying as is does not. Certainly not applied when {@link #certainlyNotApplied()} says so
         * (asked of the primary itself; a forwarded copy may have a duplicate ordered later).
         */
        FULL
    }

    /** Why an operation was not acknowledged in time: a backup's acknowledgement did not come. */
    public static final String NOT_CONFIRMED_IN_TIME = "not every backup confirmed the operation in time";
    /** Why a forwarded operation was not answered in time: the primary's answer did not come. */
    public static final String PRIMARY_DID_NOT_ANSWER = "the primary did not answer";

    /** Whether this is one of the two answers of a timeout (slow or lost messages, or a silent node). */
    public boolean isTimeout() {
        return status == Status.UNAVAILABLE && (NOT_CONFIRMED_IN_TIME.equals(detail)
                || PRIMARY_DID_NOT_ANSWER.equals(detail));
    }

    /** The {@code seq} of an answer refused before the operation could be ordered anywhere. */
    public static final long NOT_APPLIED = -1;

    public static Result unavailable(String why) {
        return new Result(Status.UNAVAILABLE, null, null, 0, why);
    }

    /**
     * Unavailable, and certainly not applied: the node the client asked refused the request before ordering or
     * forwarding it (no view, not a member, a view change under way). A client may count it as failed rather than
     * of unknown outcome, unless an earlier attempt of the same request might have been applied.
     */
    public static Result refused(String why) {
        return new Result(Status.UNAVAILABLE, null, null, NOT_APPLIED, why);
    }

    /** Whether the node the client asked refused the request before anything could order it (see {@link #refused}). */
    public boolean certainlyNotApplied() {
        return (status == Status.UNAVAILABLE || status == Status.FULL) && seq == NOT_APPLIED;
    }

    Result withSeq(long s) {
        return new Result(status, value, all, s, detail);
    }

    /** A whole-store read's answer to a backup that holds the store at {@code seq} itself: everything but the store. */
    Result withoutStore() {
        return new Result(status, value, null, seq, detail);
    }
}
