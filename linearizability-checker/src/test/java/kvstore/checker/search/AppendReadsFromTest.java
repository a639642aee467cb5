package kvstore.checker.search;

import kvstore.checker.Histories;
import kvstore.checker.explain.Explanation;
import kvstore.checker.history.History;
import kvstore.checker.history.Operation;
import kvstore.checker.model.RegisterModel;
import kvstore.checker.Seeds;
import kvstore.checker.history.Event;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.stream.LongStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AppendReadsFromTest {
    private static final RegisterModel MODEL = new RegisterModel();

    static LongStream seeds() {
        return Seeds.range(200);
    }

    /** Against trying every order: every proof is a violation, with either meaning of "" for absent. */
    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void everyProofIsAViolation(long seed) {
        for (int round = 0; round < 25; round++) {
            long s = seed * 1000 + round;
            List<Event> events = RandomHistories.generateAppends(s, 8, 2 + (int) (s % 3));
            History history = Histories.build(events);
            for (boolean emptyIsAbsent : new boolean[] {false, true}) {
                RegisterModel model = new RegisterModel(emptyIsAbsent);
                Explanation proof = AppendReadsFrom.analyze("x", history.operations(), emptyIsAbsent);
                if (proof != null && BruteForceChecker.linearizable(history, model)) {
                    fail("seed " + s + " (absent reads as empty: " + emptyIsAbsent + "): a proof for a linearizable"
                            + " history: " + proof.sentences() + "\n" + Histories.toJsonLines(events)
                            + Seeds.replay(AppendReadsFromTest.class, seed));
                }
                if (proof != null) {
                    assertFalse(BruteForceChecker.linearizable(new History(proof.core(), List.of(), 0), model),
                            "seed " + s + ": the core alone is not linearizable: " + proof.sentences());
                }
            }
        }
    }

    /** The property above is not vacuous: the random histories hold violations, and many are proved. */
    @Test
    void manyOfTheRandomViolationsAreProved() {
        int violations = 0;
        int proved = 0;
        for (long s = 1; s <= 2000; s++) {
            History history = Histories.build(RandomHistories.generateAppends(s, 8, 3));
            if (!BruteForceChecker.linearizable(history, MODEL)) {
                violations++;
                proved += AppendReadsFrom.analyze("x", history.operations(), false) != null ? 1 : 0;
            }
        }
        assertTrue(violations > 500 && proved > violations / 4, proved + " of " + violations + " proved");
    }

    @Test
    void aReadThatShrankIsProvedByTheTwoReadsAndTheirAppends() {
        Explanation e = proof("1 invoke append x a", "1 ok append x a", "2 invoke append x b", "2 ok append x b",
                "3 invoke get x", "3 ok get x ab", "4 invoke get x", "4 ok get x a");
        assertEquals(List.of("append a", "append b", "get ab", "get a"), shape(e.core()));
        assertEquals("4", e.culprit().process());
        assertTrue(e.sentences().getLast().contains("cannot have shrunk"), e.sentences().getLast());
    }

    @Test
    void readsThatPartAreProvedWhateverTheirTiming() {
        Explanation e = proof("1 invoke append x a", "2 invoke append x b", "3 invoke get x", "4 invoke get x",
                "1 ok append x a", "2 ok append x b", "3 ok get x ab", "4 ok get x ba");
        assertEquals(4, e.core().size());
        assertTrue(e.sentences().getLast().contains("neither is a prefix of the other"), e.sentences().getLast());
    }

    @Test
    void aPutStartsAValueOver() {
        assertNull(AppendReadsFrom.analyze("x", Histories.of("1 invoke append x a", "1 ok append x a",
                "3 invoke get x", "3 ok get x a", "2 invoke put x p", "2 ok put x p", "4 invoke get x",
                "4 ok get x p").operations(), false));
        Explanation e = proof("2 invoke put x p", "2 ok put x p", "1 invoke append x a", "1 ok append x a",
                "3 invoke get x", "3 ok get x pa", "4 invoke get x", "4 ok get x p");
        assertEquals(List.of("put p", "append a", "get pa", "get p"), shape(e.core()));
    }

    @Test
    void aValueNoAppendsMakeUpAndAnAppendFromTheFutureAreProved() {
        assertEquals(List.of("get ac"), shape(proof("1 invoke append x a", "1 ok append x a", "3 invoke get x",
                "3 ok get x ac").core()));
        assertEquals(List.of("get a", "append a"), shape(proof("3 invoke get x", "3 ok get x a",
                "1 invoke append x a", "1 ok append x a").core()));
    }

    @Test
    void ambiguousPiecesAreLeftToTheSearch() {
        assertNull(AppendReadsFrom.analyze("x", Histories.of("1 invoke append x a", "1 ok append x a",
                "2 invoke append x aa", "2 ok append x aa", "3 invoke get x", "3 ok get x aaa", "4 invoke get x",
                "4 ok get x a").operations(), false), "aaa splits two ways");
    }

    @Test
    void aRetriedAppendAddsItsPieceAgainAndBothAppendsAreInTheProof() {
        Explanation e = proof("1 invoke append x a", "1 ok append x a", "2 invoke append x a", "2 ok append x a",
                "3 invoke get x", "3 ok get x aa", "4 invoke get x", "4 ok get x a");
        assertEquals(List.of("append a", "append a", "get aa", "get a"), shape(e.core()));
        // Read three times, appended twice: no split.
        assertEquals(List.of("get aaa"), shape(proof("1 invoke append x a", "1 ok append x a",
                "2 invoke append x a", "2 ok append x a", "3 invoke get x", "3 ok get x aaa").core()));
    }

    private static Explanation proof(String... lines) {
        History h = Histories.of(lines);
        Explanation e = AppendReadsFrom.confirmedProof("x", h.operations(), MODEL, Budget.unlimited());
        assertNotNull(e, "a proof");
        return e;
    }

    private static List<String> shape(List<Operation> ops) {
        return ops.stream().map(op -> op.kind().wireName() + " " + op.value()).toList();
    }
}
