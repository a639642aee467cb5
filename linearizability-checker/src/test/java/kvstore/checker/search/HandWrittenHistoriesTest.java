package kvstore.checker.search;

import kvstore.checker.Histories;
import kvstore.checker.history.History;
import kvstore.checker.model.RegisterModel;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Small histories whose verdict can be worked out by hand, for every operation and outcome. */
class HandWrittenHistoriesTest {

    private static Verdict verdict(String... lines) {
        History h = Histories.of(lines);
        return LinearizabilityChecker.check(h, new RegisterModel(), CheckOptions.defaults()).verdict();
    }

    @Test
    void sequentialPutThenGet() {
        assertEquals(Verdict.LINEARIZABLE, verdict(
                "1 invoke put x 1", "1 ok put x 1",
                "2 invoke get x", "2 ok get x 1"));
    }

    @Test
    void staleReadAfterOverwrite() {
        assertEquals(Verdict.NOT_LINEARIZABLE, verdict(
                "1 invoke put x 1", "1 ok put x 1",
                "1 invoke put x 2", "1 ok put x 2",
                "2 invoke get x", "2 ok get x 1"));
    }

    @Test
    void concurrentReadMaySeeEitherValue() {
        String[] prefix = {"1 invoke put x 1", "1 ok put x 1", "1 invoke put x 2", "2 invoke get x"};
        assertEquals(Verdict.LINEARIZABLE, verdict(concat(prefix, "2 ok get x 1", "1 ok put x 2")));
        assertEquals(Verdict.LINEARIZABLE, verdict(concat(prefix, "2 ok get x 2", "1 ok put x 2")));
        assertEquals(Verdict.NOT_LINEARIZABLE, verdict(concat(prefix, "2 ok get x 3", "1 ok put x 2")));
    }

    @Test
    void readOfAbsentKey() {
        assertEquals(Verdict.LINEARIZABLE, verdict("1 invoke get x", "1 ok get x _"));
        assertEquals(Verdict.NOT_LINEARIZABLE, verdict("1 invoke get x", "1 ok get x 1"));
        assertEquals(Verdict.NOT_LINEARIZABLE, verdict(
                "1 invoke put x 1", "1 ok put x 1", "2 invoke get x", "2 ok get x _"));
    }

    @Test
    void deleteMakesTheKeyAbsent() {
        assertEquals(Verdict.LINEARIZABLE, verdict(
                "1 invoke put x 1", "1 ok put x 1", "1 invoke delete x", "1 ok delete x",
                "2 invoke get x", "2 ok get x _"));
        assertEquals(Verdict.NOT_LINEARIZABLE, verdict(
                "1 invoke put x 1", "1 ok put x 1", "1 invoke delete x", "1 ok delete x",
                "2 invoke get x", "2 ok get x 1"));
    }

    @Test
    void emptyStringIsAValueNotAbsence() {
        assertEquals(Verdict.LINEARIZABLE, verdict("1 invoke put x ''", "1 ok put x ''",
                "2 invoke get x", "2 ok get x ''"));
        assertEquals(Verdict.NOT_LINEARIZABLE, verdict("1 invoke put x ''", "1 ok put x ''",
                "2 invoke get x", "2 ok get x _"));
    }

    @Test
    void appendConcatenates() {
        assertEquals(Verdict.LINEARIZABLE, verdict(
                "1 invoke append x a", "1 ok append x a", "1 invoke append x b", "1 ok append x b",
                "2 invoke get x", "2 ok get x ab"));
        assertEquals(Verdict.NOT_LINEARIZABLE, verdict(
                "1 invoke append x a", "1 ok append x a", "1 invoke append x b", "1 ok append x b",
                "2 invoke get x", "2 ok get x ba"));
    }

    @Test
    void casSucceedsOnlyOnTheExpectedValue() {
        assertEquals(Verdict.LINEARIZABLE, verdict(
                "1 invoke put x 1", "1 ok put x 1", "1 invoke cas x 1 2", "1 ok cas x",
                "2 invoke get x", "2 ok get x 2"));
        assertEquals(Verdict.NOT_LINEARIZABLE, verdict(
                "1 invoke put x 1", "1 ok put x 1", "1 invoke cas x 3 2", "1 ok cas x"));
        assertEquals(Verdict.LINEARIZABLE, verdict("1 invoke cas x _ 1", "1 ok cas x",
                "2 invoke get x", "2 ok get x 1"));
    }

    @Test
    void failedCasIsAReadConstraint() {
        // The key holds 1 for the whole of the cas, so a cas expecting 1 cannot have failed.
        assertEquals(Verdict.NOT_LINEARIZABLE, verdict(
                "1 invoke put x 1", "1 ok put x 1", "2 invoke cas x 1 2", "2 fail cas x"));
        assertEquals(Verdict.LINEARIZABLE, verdict(
                "1 invoke put x 1", "1 ok put x 1", "2 invoke cas x 5 2", "2 fail cas x",
                "3 invoke get x", "3 ok get x 1"));
    }

    @Test
    void failedWritesDidNotHappen() {
        assertEquals(Verdict.NOT_LINEARIZABLE, verdict(
                "1 invoke put x 1", "1 fail put x 1", "2 invoke get x", "2 ok get x 1"));
        assertEquals(Verdict.LINEARIZABLE, verdict(
                "1 invoke put x 1", "1 fail put x 1", "2 invoke get x", "2 ok get x _"));
        assertEquals(Verdict.LINEARIZABLE, verdict(
                "1 invoke delete x", "1 fail delete x", "1 invoke append x a", "1 fail append x a"));
    }

    @Test
    void unknownWriteMayTakeEffectLaterOrNever() {
        String[] prefix = {"1 invoke put x 1", "1 info put x 1"};
        assertEquals(Verdict.LINEARIZABLE, verdict(concat(prefix, "2 invoke get x", "2 ok get x _")));
        assertEquals(Verdict.LINEARIZABLE, verdict(concat(prefix, "2 invoke get x", "2 ok get x 1")));
        // ... but once seen it stays (no later write), and it cannot take effect before its invocation:
        assertEquals(Verdict.NOT_LINEARIZABLE, verdict(concat(prefix,
                "2 invoke get x", "2 ok get x 1", "2 invoke get x", "2 ok get x _")));
        assertEquals(Verdict.NOT_LINEARIZABLE, verdict(
                "2 invoke get x", "2 ok get x 1", "1 invoke put x 1", "1 info put x 1"));
    }

    @Test
    void operationStillOpenAtTheEndIsUnknown() {
        assertEquals(Verdict.LINEARIZABLE, verdict(
                "1 invoke put x 1", "2 invoke get x", "2 ok get x 1"));
    }

    @Test
    void unknownGetConstrainsNothing() {
        assertEquals(Verdict.LINEARIZABLE, verdict("1 invoke get x", "1 info get x"));
    }

    @Test
    void keysAreIndependent() {
        assertEquals(Verdict.LINEARIZABLE, verdict(
                "1 invoke put x 1", "1 ok put x 1", "2 invoke get y", "2 ok get y _"));
        assertEquals(Verdict.NOT_LINEARIZABLE, verdict(
                "1 invoke put x 1", "1 ok put x 1", "2 invoke get y", "2 ok get y 1"));
    }

    @Test
    void classicNonLinearizableRegisterFromTheLiterature() {
        // Two reads that disagree on the order of two concurrent writes, each read after both writes returned.
        assertEquals(Verdict.NOT_LINEARIZABLE, verdict(
                "1 invoke put x 1", "2 invoke put x 2", "1 ok put x 1", "2 ok put x 2",
                "3 invoke get x", "3 ok get x 1", "4 invoke get x", "4 ok get x 2"));
        // Overlapping reads may disagree with each other only if one of the writes is still in flight.
        assertEquals(Verdict.LINEARIZABLE, verdict(
                "1 invoke put x 1", "2 invoke put x 2", "1 ok put x 1",
                "3 invoke get x", "3 ok get x 1", "4 invoke get x", "4 ok get x 2", "2 ok put x 2"));
    }

    private static String[] concat(String[] a, String... b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
