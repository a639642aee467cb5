package kvstore.checker.history;

/**
 * One operation of a history: an invocation paired with its completion.
 *
 * <p>{@code call} and {@code ret} are positions in the history's event order (0-based), the only clock the
 * verdict uses: an operation A precedes B in real time iff {@code A.ret < B.call}. An operation whose outcome is
 * unknown ({@link Outcome#INFO}, or still open when the history ends) has {@code ret == }{@link #NEVER}: it may
 * take effect at any point after its call, or never, which is the same as taking effect after everything else.
 *
 * @param id       0-based, in invocation order
 * @param value    the string a put or append wrote, the new value of a cas, or what an ok get read
 *                 ({@code null}: the key was absent)
 * @param expected for a cas, the value it compared against ({@code null}: absent)
 */
public record Operation(int id, String process, OpKind kind, String key, String value, String expected,
                        Outcome outcome, int call, int ret, int callLine, int retLine, long callTime, long retTime) {

    public static final int NEVER = Integer.MAX_VALUE;

    /**
     * Whether this operation can affect the verdict. A failed put, delete or append did not happen; a get whose
     * result is unknown reads nothing; both can be left out of the search. A failed cas still tells us the key
     * did not hold {@code expected} at some point in its interval, so it stays.
     */
    public boolean constrains() {
        return switch (outcome) {
            case OK -> true;
            case FAIL -> kind == OpKind.CAS;
            case INFO -> kind != OpKind.GET;
        };
    }

    /** Whether this operation, if it takes effect, can change the key's value. */
    public boolean writes() {
        return kind != OpKind.GET && !(kind == OpKind.CAS && outcome == Outcome.FAIL);
    }

    /** The value this operation leaves in the key when it takes effect (for a cas: when its comparison holds). */
    public String written() {
        return kind == OpKind.DELETE ? null : value;
    }

    /** Whether this operation asserts something about the value it found (it "reads"). */
    public boolean observes() {
        return (kind == OpKind.GET && outcome == Outcome.OK) || (kind == OpKind.CAS && outcome != Outcome.INFO);
    }

    /** What an observing operation saw or expected: an ok get's value, a cas's expected value; else null. */
    public String observed() {
        return kind == OpKind.GET ? value : kind == OpKind.CAS ? expected : null;
    }

    public Operation withId(int newId) {
        return new Operation(newId, process, kind, key, value, expected, outcome, call, ret, callLine, retLine,
                callTime, retTime);
    }

    public boolean precedes(Operation other) {
        return ret < other.call;
    }

    public boolean isOpenEnded() {
        return ret == NEVER;
    }

    /**
     * This operation as seen in a prefix of the history that ends before its completion: it keeps its outcome
     * (if it takes effect in the prefix, it does so as it was recorded) but has no deadline, so it may also not
     * take effect there at all. That is exactly how the search treats it before its return.
     */
    public Operation pending() {
        return new Operation(id, process, kind, key, value, expected, outcome, call, NEVER, callLine, 0,
                callTime, Event.NO_TIME);
    }
}
