package kvstore.checker.search;

import kvstore.checker.Histories;
import kvstore.checker.HistoryShrinker;
import kvstore.checker.Seeds;
import kvstore.checker.explain.Explanation;
import kvstore.checker.history.Event;
import kvstore.checker.history.History;
import kvstore.checker.history.Operation;
import kvstore.checker.model.RegisterModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.function.Predicate;
import java.util.stream.LongStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The reads-from reasoning against the definition: every proof it gives is a real violation, its core is one on
 * its own, and for puts and gets of distinct values it finds every violation.
 */
class ReadsFromTest {
    private static final RegisterModel MODEL = new RegisterModel();

    static LongStream seeds() {
        return Seeds.range(200);
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void everyProofIsAViolationAndItsCoreIsOneOnItsOwn(long seed) {
        for (int round = 0; round < 25; round++) {
            long s = seed * 1000 + round;
            List<Event> events = RandomHistories.generateDistinct(s, 8, 2 + (int) (s % 3), false);
            History history = Histories.build(events);
            List<Operation> ops = history.operations();
            Explanation proof = ReadsFrom.confirmedProof("x", ops, MODEL, Budget.unlimited());
            boolean linearizable = BruteForceChecker.linearizable(history, MODEL);
            if (proof != null && linearizable) {
                report(seed, "round " + round + ": a proof for a linearizable history: " + proof.sentences(),
                        events, e -> {
                            History h = Histories.build(e);
                            return ReadsFrom.confirmedProof("x", h.operations(), MODEL, Budget.unlimited()) != null
                                    && BruteForceChecker.linearizable(h, MODEL);
                        });
            }
            if (proof != null) {
                assertFalse(BruteForceChecker.linearizable(new History(proof.core(), List.of(), 0), MODEL),
                        "seed " + s + ": the core alone is not linearizable");
                assertTrue(proof.core().contains(proof.culprit()), "seed " + s);
            }
            // And the unconfirmed reasoning never claims a violation of a linearizable history either.
            if (linearizable) {
                assertNull(ReadsFrom.analyze("x", ops, false).violation(), "seed " + s);
            }
        }
    }

    /** Stores that report a missing key as "": a read of "" names no write when a write wrote "" too. */
    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void withEmptyValuesAndAbsentReadAsEmptyEveryProofIsAViolation(long seed) {
        for (int round = 0; round < 25; round++) {
            long s = seed * 1000 + round;
            List<Event> events = RandomHistories.generateDistinct(s, 8, 2 + (int) (s % 3), round % 2 == 0, true);
            History history = Histories.build(events);
            for (boolean emptyIsAbsent : new boolean[] {false, true}) {
                RegisterModel model = new RegisterModel(emptyIsAbsent);
                boolean linearizable = BruteForceChecker.linearizable(history, model);
                ReadsFrom.Result result = ReadsFrom.analyze("x", history.operations(), emptyIsAbsent);
                if (linearizable && result.violation() != null) {
                    fail("seed " + s + " (absent reads as empty: " + emptyIsAbsent + "): a proof for a"
                            + " linearizable history: " + result.violation().sentences() + "\n"
                            + Histories.toJsonLines(events) + Seeds.replay(ReadsFromTest.class, seed));
                }
                if (!linearizable && result.complete() && result.violation() == null) {
                    fail("seed " + s + " (absent reads as empty: " + emptyIsAbsent + "): complete, yet a violation"
                            + " was missed\n" + Histories.toJsonLines(events) + Seeds.replay(ReadsFromTest.class, seed));
                }
            }
        }
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void forPutsAndGetsOfDistinctValuesItFindsEveryViolation(long seed) {
        for (int round = 0; round < 25; round++) {
            long s = seed * 1000 + round;
            List<Event> events = RandomHistories.generateDistinct(s, 9, 2 + (int) (s % 4), true);
            History history = Histories.build(events);
            ReadsFrom.Result result = ReadsFrom.analyze("x", history.operations(), false);
            assertTrue(result.complete(), "seed " + s);
            boolean linearizable = BruteForceChecker.linearizable(history, MODEL);
            if (linearizable == (result.violation() != null)) {
                report(seed, "round " + round + ": brute force says linearizable=" + linearizable
                        + ", the reasoning found " + (result.violation() == null ? "nothing"
                        : result.violation().sentences()), events, e -> {
                            History h = Histories.build(e);
                            return BruteForceChecker.linearizable(h, MODEL)
                                    == (ReadsFrom.analyze("x", h.operations(), false).violation() != null);
                        });
            }
        }
    }

    /** The properties above are not vacuous: the random histories hold violations, and most are proved. */
    @Test
    void mostOfTheRandomViolationsAreProved() {
        int violations = 0;
        int proved = 0;
        for (long s = 1; s <= 2000; s++) {
            History history = Histories.build(RandomHistories.generateDistinct(s, 8, 3, false));
            if (!BruteForceChecker.linearizable(history, MODEL)) {
                violations++;
                proved += ReadsFrom.confirmedProof("x", history.operations(), MODEL, Budget.unlimited()) != null
                        ? 1 : 0;
            }
        }
        assertTrue(violations > 500 && proved > violations / 2, proved + " of " + violations + " proved");
    }

    @Test
    void aStaleReadIsProvedByTheReadItsWriteAndTheWriteBetween() {
        Explanation e = proof("1 invoke put x 1", "1 ok put x 1", "2 invoke put x 2", "2 ok put x 2",
                "3 invoke get x", "3 ok get x 1");
        assertEquals(List.of("put 1", "put 2", "get 1"), shape(e.core()));
        assertEquals("3", e.culprit().process());
        assertTrue(e.minimal());
    }

    @Test
    void aReadOfAValueNobodyWroteIsItsOwnProof() {
        Explanation e = proof("1 invoke put x 1", "1 fail put x 1", "2 invoke get x", "2 ok get x 1");
        assertEquals(List.of("get 1"), shape(e.core()));
        assertTrue(e.sentences().getLast().contains("no operation that may have taken effect began to write it"));
    }

    @Test
    void aReadOfAWriteInvokedAfterItReturnedIsItsOwnProof() {
        Explanation e = proof("2 invoke get x", "2 ok get x 1", "1 invoke put x 1", "1 ok put x 1");
        assertEquals(List.of("get 1"), shape(e.core()), "the read alone, closed: it cannot rely on a later write");
    }

    @Test
    void aWriteOfUnknownOutcomeThatWasReadCountsAsTheWrite() {
        // The write of 1 may have taken effect late; once it was read, a read of absent after that read is stale.
        Explanation e = proof("1 invoke put x 1", "2 invoke get x", "2 ok get x 1", "3 invoke get x",
                "3 ok get x", "1 info put x 1");
        assertEquals(List.of("put 1", "get 1", "get null"), shape(e.core()));
    }

    @Test
    void aFailedCasInsideAStretchOfItsValueIsAViolation() {
        // Our store's 412: the key did not hold "1"; but it held "1" from t1 to t4.
        Explanation e = proof("1 invoke put x 1", "1 ok put x 1", "2 invoke cas x 1 9", "2 fail cas x 1 9",
                "3 invoke get x", "3 ok get x 1");
        assertEquals(List.of("put 1", "cas 1 9", "get 1"), shape(e.core()));
        assertTrue(e.sentences().getLast().contains("found the key did not hold that value"), e.sentences().getLast());
    }

    @Test
    void twoValuesHeldAtOnceAreAViolation() {
        // 1 is held from t2 (its read ended) to t6, 2 from t3 to t7: they overlap.
        Explanation e = proof("1 invoke put x 1", "2 invoke put x 2", "1 ok put x 1", "2 ok put x 2",
                "3 invoke get x", "4 invoke get x", "3 ok get x 1", "4 ok get x 2",
                "3 invoke get x", "4 invoke get x", "3 ok get x 1", "4 ok get x 2");
        assertEquals(4, e.core().size(), e.sentences().toString());
        assertTrue(e.sentences().getLast().contains("overlap"), e.sentences().toString());
    }

    @Test
    void deletesMakeAbsentAValueLikeAnyOtherThatRepeats() {
        // Absent is written by the delete too: the read of absent names no write, and it is not a violation.
        assertNull(ReadsFrom.analyze("x", Histories.of("1 invoke put x 1", "1 ok put x 1", "2 invoke delete x",
                "2 ok delete x", "3 invoke get x", "3 ok get x").operations(), false).violation());
        // A delete inside a stretch of "1" still changes it.
        Explanation e = proof("1 invoke put x 1", "1 ok put x 1", "2 invoke delete x", "2 ok delete x",
                "3 invoke get x", "3 ok get x 1");
        assertEquals(List.of("put 1", "delete null", "get 1"), shape(e.core()));
    }

    @Test
    void repeatedValuesAndAppendsAreLeftToTheSearch() {
        assertNull(ReadsFrom.analyze("x", Histories.of("1 invoke put x 1", "1 ok put x 1", "2 invoke put x 1",
                "2 ok put x 1", "3 invoke put x 2", "3 ok put x 2", "4 invoke get x", "4 ok get x 1")
                .operations(), false).violation(), "which write of 1 was read is not known");
        ReadsFrom.Result appends = ReadsFrom.analyze("x", Histories.of("1 invoke append x a", "1 ok append x a",
                "2 invoke get x", "2 ok get x b").operations(), false);
        assertNull(appends.violation());
        assertFalse(appends.complete());
    }

    private static Explanation proof(String... lines) {
        History h = Histories.of(lines);
        Explanation e = ReadsFrom.confirmedProof("x", h.operations(), MODEL, Budget.unlimited());
        assertNotNull(e, "a proof");
        return e;
    }

    private static List<String> shape(List<Operation> ops) {
        return ops.stream().map(op -> op.kind().wireName() + " " + (op.kind() == kvstore.checker.history.OpKind.CAS
                ? op.expected() + " " + op.value() : op.value())).toList();
    }

    private static void report(long seed, String what, List<Event> events, Predicate<List<Event>> stillFails) {
        List<Event> small = HistoryShrinker.shrink(events, stillFails);
        fail("seed " + seed + ": " + what + "\nshrunk history (" + small.size() + " of " + events.size()
                + " events):\n" + Histories.toJsonLines(small) + Seeds.replay(ReadsFromTest.class, seed));
    }
}
