package kvstore.core;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Results are kept for the retry horizon: by count and by time, oldest first. */
class ResultTableTest {
    private static Result ok(long seq) {
        return new Result(Result.Status.OK, null, null, seq, null);
    }

    @Test
    void theOldestResultsGoWhenTheCountIsReached() {
        ResultTable t = new ResultTable(3, 1_000);
        for (long s = 1; s <= 5; s++) {
            t.record(new RequestId("c", s), ok(s), 0);
        }
        assertEquals(3, t.size());
        assertNull(t.get(new RequestId("c", 2)));
        assertNotNull(t.get(new RequestId("c", 3)));
    }

    @Test
    void resultsOlderThanTheHorizonGo() {
        ResultTable t = new ResultTable(100, 50);
        t.record(new RequestId("c", 1), ok(1), 0);
        t.record(new RequestId("c", 2), ok(2), 40);
        t.record(new RequestId("c", 3), ok(3), 60); // 1 is now older than 50 ticks
        assertNull(t.get(new RequestId("c", 1)));
        assertNotNull(t.get(new RequestId("c", 2)));
    }

    @Test
    void aTransferTakesTheResultsOfEarlierWritesInPiecesInOrder() {
        ResultTable t = new ResultTable(100, 1_000);
        for (long s = 1; s <= 10; s++) {
            t.record(new RequestId("c", s), ok(s), 0);
        }
        var piece = t.between(0, 8, 3 * (48 + Sizes.of(ok(1))));
        assertEquals(3, piece.size());
        assertEquals(3, piece.values().stream().mapToLong(Result::seq).max().orElseThrow());
        assertTrue(t.anyBetween(3, 8));
        assertEquals(5, t.between(3, 8, Integer.MAX_VALUE).size(), "up to the transfer's start, not beyond");
        assertTrue(!t.anyBetween(8, 8));
    }
}
