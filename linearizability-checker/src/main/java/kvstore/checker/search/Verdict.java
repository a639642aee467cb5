package kvstore.checker.search;

public enum Verdict {
    LINEARIZABLE,
    NOT_LINEARIZABLE,
    /** The budget (time or memory) ran out before the search could decide. Never read this as a pass. */
    UNKNOWN
}
