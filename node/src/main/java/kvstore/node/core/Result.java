package kvstore.node.core;

import java.util.Map;

/**
 * The answer to a command.
 *
 * @param value    get: the value read; cas mismatch: the current value
 * @param all      get-all: every key and value
 * @param seq      the operation's position in the primary's total order (0 when unavailable)
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
        UNAVAILABLE
    }

    public static Result unavailable(String why) {
        return new Result(Status.UNAVAILABLE, null, null, 0, why);
    }

    Result withSeq(long s) {
        return new Result(status, value, all, s, detail);
    }
}
