package kvstore.core;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The log knows exactly which states it passed through, and keeps the operations after them. */
class RecentLogTest {
    private static final ChainId A = new ChainId("n1", 1, 1);
    private static final ChainId B = new ChainId("n2", 1, 4);

    private static LoggedOp op(long seq, ChainId chain) {
        return new LoggedOp(seq, chain, new RequestId("c", seq), Command.put("k", "v" + seq),
                new Result(Result.Status.OK, null, null, seq, null));
    }

    @Test
    void aStateIsRecognisedOnlyWithItsChainAndWhileTheOperationsAfterItAreKept() {
        RecentLog log = new RecentLog(3);
        log.reset(A, 10);
        log.append(op(11, A));
        log.append(op(12, A));
        log.chainBegins(B); // B began with the state at 12
        log.append(op(13, B));
        assertTrue(log.passedThrough(A, 10), "the state it started from");
        assertTrue(log.passedThrough(A, 12));
        assertTrue(log.passedThrough(B, 12), "B began there");
        assertTrue(log.passedThrough(B, 13));
        assertFalse(log.passedThrough(B, 11), "B had not begun");
        assertFalse(log.passedThrough(A, 13), "13 was ordered in B: A at 13 is another state");
        assertFalse(log.passedThrough(A, 14), "beyond the log");
        assertFalse(log.passedThrough(null, 12), "a state of no known chain is never recognised");

        log.append(op(14, B)); // the oldest goes: the log now starts after A at 11
        assertFalse(log.passedThrough(A, 10), "its operations after it are gone");
        assertTrue(log.passedThrough(A, 11));
        assertEquals(3, log.after(11, 1_000_000).size(), "12, 13 and 14 are kept");
        assertThrows(IllegalArgumentException.class, () -> log.at(11));
        assertThrows(IllegalStateException.class, () -> log.append(op(16, B)), "no gaps");
    }

    @Test
    void aBatchOfOperationsIsBoundedByBytesButNeverEmpty() {
        RecentLog log = new RecentLog(100);
        log.reset(A, 0);
        for (long s = 1; s <= 50; s++) {
            log.append(op(s, A));
        }
        assertEquals(1, log.after(0, 1).size(), "at least one, so that a stream always moves");
        int one = Sizes.of(op(1, A));
        assertEquals(5, log.after(0, 5 * one).size());
        assertEquals(50, log.after(0, Integer.MAX_VALUE).size());
        assertTrue(log.after(50, Integer.MAX_VALUE).isEmpty());
    }

    @Test
    void largeOperationsAreDroppedByBytesBeforeTheCountIsReached() {
        RecentLog log = new RecentLog(1_000);
        log.reset(A, 0);
        String big = "x".repeat(1 << 20);
        for (long s = 1; s <= 100; s++) {
            log.append(new LoggedOp(s, A, new RequestId("c", s), Command.put("k", big), null));
        }
        assertFalse(log.keepsAfter(0), "100 MiB of values is more than the log keeps");
        assertTrue(log.keepsAfter(100 - ReplicaConfig.LOG_BYTES_KEPT / (1 << 20) + 1));
    }
}
