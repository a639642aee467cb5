package kvstore.checker.explain;

import kvstore.checker.Histories;
import kvstore.checker.history.History;
import kvstore.checker.history.Operation;
import kvstore.checker.model.RegisterModel;
import kvstore.checker.search.CheckOptions;
import kvstore.checker.search.CheckResult;
import kvstore.checker.search.LinearizabilityChecker;
import kvstore.checker.search.Verdict;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ExplainerTest {

    /** The search's explanation (the checker tries the reads-from reasoning first: see ReadsFromTest). */
    private static Explanation explain(String... lines) {
        History h = Histories.of(lines);
        RegisterModel model = new RegisterModel();
        CheckResult r = LinearizabilityChecker.check(h, model, CheckOptions.defaults());
        assertEquals(Verdict.NOT_LINEARIZABLE, r.verdict());
        var key = r.violations().getFirst();
        Explanation e = Explainer.explain(key.key(), LinearizabilityChecker.searchable(key.operations(), model),
                model, kvstore.checker.search.Budget.unlimited());
        assertEquals(Verdict.NOT_LINEARIZABLE, kvstore.checker.search.WglSearch.check(model, e.core(),
                kvstore.checker.search.Budget.unlimited()).verdict());
        return e;
    }

    private static List<String> actions(List<Operation> ops) {
        return ops.stream().map(op -> "p" + op.process() + " " + OperationText.action(op)).toList();
    }

    @Test
    void staleReadAmongUnrelatedTrafficShrinksToTheThreeOperationsThatMatter() {
        Explanation e = explain(
                "1 invoke put x 1", "1 ok put x 1",
                "4 invoke get x", "4 ok get x 1",
                "2 invoke put x 2", "5 invoke get x", "5 ok get x 1", "2 ok put x 2",
                "4 invoke get x", "4 ok get x 2",
                "6 invoke put x 7", "6 fail put x 7",
                "3 invoke get x", "3 ok get x 1",
                "4 invoke put x 3", "4 ok put x 3");
        assertEquals(List.of("p1 wrote \"1\"", "p2 wrote \"2\"", "p3 read \"1\""), actions(e.core()));
        assertEquals("3", e.culprit().process());
        assertEquals(13, e.linearizableEvents(), "events t0..t12 are fine; t13 (process 3's read) is not");
        assertTrue(e.minimal());
        assertTrue(e.sentences().getLast().contains("Process 3 read \"1\" at [t12, t13], but the only value the key"
                + " could hold then was \"2\" (written by process 2 at [t4, t7])"), e.sentences().getLast());
    }

    @Test
    void readOfAValueNobodyWroteIsItsOwnCore() {
        Explanation e = explain("1 invoke put x 1", "1 ok put x 1", "2 invoke get x", "2 ok get x 9");
        assertEquals(List.of("p2 read \"9\""), actions(e.core()));
        assertTrue(e.sentences().getLast().contains("absent (initially)"), e.sentences().getLast());
    }

    @Test
    void shrinkingNeverDropsTheWriteAReadDependsOn() {
        // Dropping process 1's write would leave the read of "1" without a source: a different, invented
        // violation. The core must keep it.
        Explanation e = explain(
                "1 invoke put x 1", "1 ok put x 1", "2 invoke delete x", "2 ok delete x",
                "3 invoke get x", "3 ok get x 1");
        assertEquals(List.of("p1 wrote \"1\"", "p2 deleted the key", "p3 read \"1\""), actions(e.core()));
    }

    @Test
    void failedCasThatShouldHaveSucceeded() {
        Explanation e = explain("1 invoke put x a", "1 ok put x a", "2 invoke get x", "2 ok get x a",
                "3 invoke cas x a b", "3 fail cas x");
        assertEquals(List.of("p1 wrote \"a\"", "p3 failed to swap \"a\" for \"b\""), actions(e.core()));
        assertTrue(e.sentences().getLast().contains("the only value the key could hold then was \"a\""),
                e.sentences().getLast());
    }

    @Test
    void unknownOutcomeWritesAreShownAsSuch() {
        Explanation e = explain("1 invoke put x 1", "1 info put x 1", "2 invoke put x 2", "2 ok put x 2",
                "3 invoke get x", "3 ok get x 1", "3 invoke get x", "3 ok get x 2", "3 invoke get x", "3 ok get x 1");
        assertTrue(e.sentences().stream().anyMatch(s -> s.contains("wrote \"1\" (outcome unknown) at [t0, ?]")),
                String.join("\n", e.sentences()));
    }

    @Test
    void operationsStillOpenAtTheBreakingEventKeepTheirRecordedOutcome() {
        // The cas fails, but completes only after the read: the explanation must not pretend it could have
        // swapped in "a" (it did not), and what it calls impossible must really be impossible.
        Explanation e = explain("1 invoke cas x _ a", "2 invoke get x", "2 ok get x a", "1 fail cas x");
        assertEquals(2, e.linearizableEvents());
        assertEquals(kvstore.checker.search.Verdict.NOT_LINEARIZABLE,
                kvstore.checker.search.WglSearch.check(new RegisterModel(), e.core(),
                        kvstore.checker.search.Budget.unlimited()).verdict());
        assertTrue(e.sentences().getLast().contains("Process 2 read \"a\" at [t1, t2], but the only value the key"
                + " could hold then was absent (initially)"), e.sentences().getLast());
    }

    @Test
    void aCoreTheBudgetLeftLargeIsListedByItsEndWithTheCulprit() {
        // Values repeat, so only the search explains; an explain budget already spent leaves the whole prefix.
        var events = kvstore.checker.generate.HistoryGenerator.generate(
                kvstore.checker.generate.WorkloadShape.of(400, 4, 1).withValues(3).withUnknownShare(0), 5);
        var plant = kvstore.checker.generate.StaleReadPlanter.plant(events, new java.util.SplittableRandom(5), 0.9);
        RegisterModel model = new RegisterModel();
        List<Operation> ops = LinearizabilityChecker.searchable(Histories.build(plant.events()).operations(), model);
        var search = kvstore.checker.search.WglSearch.check(model, ops, kvstore.checker.search.Budget.unlimited());
        assertEquals(Verdict.NOT_LINEARIZABLE, search.verdict());
        Explanation e = Explainer.explain("x", ops, search.firstImpossibleEvent(), model,
                kvstore.checker.search.Budget.of(java.time.Duration.ZERO, Long.MAX_VALUE));
        assertTrue(e.core().size() > Explainer.MAX_LISTED, "nothing shrunk: " + e.core().size());
        assertTrue(e.sentences().size() <= Explainer.MAX_LISTED + 6, String.join("\n", e.sentences()));
        assertTrue(e.sentences().stream().anyMatch(s -> s.contains("earlier operations (the HTML report")));
        assertTrue(e.sentences().stream().anyMatch(s -> s.endsWith("<- culprit")));
        assertTrue(e.sentences().stream().anyMatch(s -> s.contains("shrinking stopped at the budget")));
    }

    @Test
    void aCasOfUnknownOutcomeKeepsTheWriteOfWhatItExpected() {
        // Not linearizable because of the write of 3: the cas swapped 1 for 2 before it or not at all. A core
        // that kept the cas but dropped the write of 1 would fail for that reason alone, a false explanation.
        Explanation e = explain("1 invoke put x 1", "1 ok put x 1", "2 invoke cas x 1 2", "3 invoke put x 3",
                "3 ok put x 3", "4 invoke get x", "4 ok get x 2");
        List<String> core = actions(e.core());
        assertTrue(core.contains("p3 wrote \"3\""), core.toString());
        if (core.stream().anyMatch(a -> a.startsWith("p2"))) {
            assertTrue(core.contains("p1 wrote \"1\""), core.toString());
        }
    }
}
