package kvstore.checker.search;

import kvstore.checker.Histories;
import kvstore.checker.HistoryShrinker;
import kvstore.checker.Seeds;
import kvstore.checker.explain.Explanation;
import kvstore.checker.generate.HistoryGenerator;
import kvstore.checker.generate.StaleReadPlanter;
import kvstore.checker.generate.WorkloadShape;
import kvstore.checker.history.Event;
import kvstore.checker.history.History;
import kvstore.checker.history.Operation;
import kvstore.checker.model.RegisterModel;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Predicate;
import java.util.stream.LongStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Properties of the checker over many seeded histories. A failure prints its seed, the shrunk history and the
 * command that replays it.
 */
class CheckerPropertiesTest {
    private static final RegisterModel MODEL = new RegisterModel();

    static LongStream seeds() {
        return Seeds.range(300);
    }

    /** Histories produced by a real sequential store with overlapping intervals are always linearizable. */
    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void executionsOfARealStoreAreLinearizable(long seed) {
        List<Event> events = HistoryGenerator.generate(realStoreShape(seed), seed);
        History history = Histories.build(events);
        CheckResult result = LinearizabilityChecker.check(history, MODEL, CheckOptions.defaults());
        if (result.verdict() != Verdict.LINEARIZABLE) {
            report(seed, "a real store's execution was judged " + result.verdict(), events,
                    e -> check(e) != Verdict.LINEARIZABLE);
        }
        for (KeyResult key : result.keys()) {
            assertWitnessIsValid(key);
        }
    }

    /**
     * A random workload shape. Append workloads are drawn as Porcupine's are (frequent reads, short operations, no
     * timeouts, no cas): many concurrent appends between sparse reads make the search try every order of them,
     * and it may end in UNKNOWN at the budget, see docs/checker.md.
     */
    static WorkloadShape realStoreShape(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        boolean appends = r.nextInt(3) == 0;
        return WorkloadShape.of(20 + r.nextInt(300), 1 + r.nextInt(8), 1 + r.nextInt(4))
                .withValues(r.nextBoolean() ? 0 : 1 + r.nextInt(4))
                .withUnknownShare(appends ? 0 : r.nextInt(4) == 0 ? 0.2 : 0.02)
                .withMix(appends ? 0.4 + r.nextDouble() / 2 : r.nextDouble(), 1 + r.nextInt(6), r.nextInt(3),
                        appends ? 1 + r.nextInt(3) : 0, appends ? 0 : r.nextInt(5))
                .withConcurrency(appends ? 1 : 1 + r.nextInt(6));
    }

    /** On small arbitrary histories the search agrees with trying every order. */
    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void agreesWithBruteForceOnSmallHistories(long seed) {
        for (int round = 0; round < 10; round++) {
            long s = seed * 1000 + round;
            // Arbitrary values; distinct values (the reads-from reasoning decides many); appends of pieces.
            List<Event> events = switch (round) {
                case 0, 1, 2 -> RandomHistories.generate(s, 7, 3, 1 + (int) (s % 2));
                case 3, 4 -> RandomHistories.generate(s, 9, 5, 1);
                case 5, 6 -> RandomHistories.generateDistinct(s, 8, 2 + (int) (s % 3), false);
                case 7 -> RandomHistories.generateDistinct(s, 9, 4, true);
                default -> RandomHistories.generateAppends(s, 8, 2 + (int) (s % 3));
            };
            History history = Histories.build(events);
            boolean expected = BruteForceChecker.linearizable(history, MODEL);
            Verdict verdict = check(events);
            if (verdict != (expected ? Verdict.LINEARIZABLE : Verdict.NOT_LINEARIZABLE)) {
                report(seed, "round " + round + ": search said " + verdict + ", brute force said linearizable="
                                + expected, events,
                        e -> (check(e) == Verdict.LINEARIZABLE) != BruteForceChecker.linearizable(Histories.build(e),
                                MODEL));
            }
        }
    }

    /** Replacing a read's result with a value that was overwritten before the read began is always caught. */
    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void plantedStaleReadIsCaughtAndExplained(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        double[] unknownShares = {0, 0.01, 0.05, 0.20};
        WorkloadShape shape = WorkloadShape.of(50 + r.nextInt(400), 1 + r.nextInt(r.nextBoolean() ? 8 : 50),
                        1 + r.nextInt(3))
                .withUnknownShare(unknownShares[r.nextInt(unknownShares.length)]).withConcurrency(1 + r.nextInt(4));
        List<Event> original = HistoryGenerator.generate(shape, seed);
        StaleReadPlanter.Plant plant = StaleReadPlanter.plant(original, Histories.build(original), r, 0);
        if (plant == null) {
            return; // no read that can go stale in this history
        }
        List<Event> events = plant.events();
        History history = Histories.build(events);
        // The first violation is enough: with dozens of processes the other keys' searches can take seconds.
        CheckResult result = LinearizabilityChecker.check(history, MODEL, CheckOptions.defaults().withAllKeys(false));
        if (result.verdict() != Verdict.NOT_LINEARIZABLE) {
            report(seed, "a planted stale read (" + plant.read() + ") was judged " + result.verdict(), events,
                    e -> check(e) != Verdict.NOT_LINEARIZABLE);
        }
        KeyResult bad = result.violations().getFirst();
        assertEquals(plant.read().key(), bad.key());
        Explanation explanation = bad.explanation();
        assertNotNull(explanation, "seed " + seed);
        String why = "seed " + seed + ", stale read " + plant.read() + ":\n" + String.join("\n", explanation.sentences());
        assertTrue(explanation.core().stream().anyMatch(op -> op.id() == plant.read().id()), why);
        if (explanation.linearizableEvents() >= 0) {
            // The search's explanation: the stale read's completion ends the shortest failing prefix. (A proof
            // by reads-from names the operation whose completion completes it, which may come later.)
            assertEquals(plant.read().id(), explanation.culprit().id(), why);
            assertEquals(plant.read().ret(), explanation.linearizableEvents(), why);
        }
        assertTrue(explanation.core().stream().anyMatch(op -> op.id() == plant.overwritten().id()),
                "seed " + seed + ": the core keeps the write the stale read saw");
        assertEquals(Verdict.NOT_LINEARIZABLE,
                WglSearch.check(MODEL, explanation.core(), Budget.unlimited()).verdict(),
                "seed " + seed + ": the core itself is not linearizable");
        assertTrue(explanation.core().size() <= 10, "seed " + seed + ": core of " + explanation.core().size()
                + " operations: " + explanation.sentences());
        if (explanation.minimal()) {
            assertOneMinimal(explanation.core(), explanation.culprit(), seed);
        }
    }

    /**
     * The shape at full size: 100,000 operations on one key, 10 processes, timeouts, failed cas and
     * deletes, one stale read planted late. Found, blamed on the read, and explained by a handful of operations.
     */
    @org.junit.jupiter.api.Test
    void aStaleReadAmongAHundredThousandOperationsIsProvedByAHandful() {
        List<Event> original = HistoryGenerator.generate(WorkloadShape.of(100_000, 10, 1).withUnknownShare(0.05),
                99);
        StaleReadPlanter.Plant plant = StaleReadPlanter.plant(original, new SplittableRandom(99), 0.9);
        CheckResult result = LinearizabilityChecker.check(Histories.build(plant.events()), MODEL,
                CheckOptions.defaults());
        assertEquals(Verdict.NOT_LINEARIZABLE, result.verdict());
        Explanation e = result.violations().getFirst().explanation();
        assertTrue(e.core().stream().anyMatch(op -> op.id() == plant.read().id()), e.sentences().toString());
        assertTrue(e.core().size() <= 6, e.sentences().toString());
    }

    /**
     * No operation of the core could be left out: each one that nothing else in the core relies on is needed
     * for the violation (without it the rest is linearizable).
     */
    private static void assertOneMinimal(List<Operation> core, Operation culprit, long seed) {
        var dependencies = MODEL.dependencies(core);
        for (Operation candidate : core) {
            List<Operation> rest = core.stream().filter(o -> o != candidate).toList();
            var relation = dependencies.among(rest);
            if (candidate == culprit || rest.stream().anyMatch(o -> relation.mayRelyOn(o, candidate))) {
                continue;
            }
            assertEquals(Verdict.LINEARIZABLE, WglSearch.check(MODEL, rest, Budget.unlimited()).verdict(),
                    "seed " + seed + ": the core stays a violation without " + candidate);
        }
    }

    private static Verdict check(List<Event> events) {
        return LinearizabilityChecker.check(Histories.build(events), MODEL, CheckOptions.defaults()).verdict();
    }

    /** Checks a witness linearization independently: real time respected, every step legal, nothing left out. */
    private static void assertWitnessIsValid(KeyResult key) {
        List<Operation> order = key.search().linearization();
        List<Operation> required = LinearizabilityChecker.searchable(key.operations(), MODEL);
        if (order.isEmpty() && !required.isEmpty()) { // decided by reads-from reasoning, which gives no order
            assertTrue(ReadsFrom.analyze(key.key(), key.operations(), false).complete(), "key " + key.key());
            return;
        }
        assertEquals(required.size(), order.size(), "the witness orders every operation of key " + key.key());
        RegisterModel.Value state = MODEL.initialState();
        for (int i = 0; i < order.size(); i++) {
            state = MODEL.step(state, order.get(i));
            assertNotNull(state, "witness step " + i + " is legal");
            for (int j = i + 1; j < order.size(); j++) {
                assertTrue(!order.get(j).precedes(order.get(i)), "the witness respects real time");
            }
        }
    }

    private static void report(long seed, String what, List<Event> events, Predicate<List<Event>> stillFails) {
        List<Event> small = HistoryShrinker.shrink(events, stillFails);
        fail("seed " + seed + ": " + what + "\nshrunk history (" + small.size() + " of " + events.size()
                + " events):\n" + Histories.toJsonLines(small) + Seeds.replay(CheckerPropertiesTest.class, seed));
    }

}
