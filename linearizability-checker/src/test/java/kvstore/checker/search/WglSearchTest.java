package kvstore.checker.search;

import kvstore.checker.Histories;
import kvstore.checker.history.Operation;
import kvstore.checker.model.RegisterModel;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class WglSearchTest {
    /**
     * Thirty deletes of unknown outcome, then thirty rounds of a put and a read that found the key absent (each
     * read needs one of the deletes), then a read of the first value, which no order allows. Proving that means
     * trying every way to spend the deletes: 2^30 configurations if each delete is told apart, 31 if alike ones are
     * spent in the order of their calls (a history like this, 1 key and 17 timed-out deletes, took 220 s).
     */
    @Test
    void alikeOperationsOfUnknownOutcomeAreInterchangeable() {
        List<String> lines = new ArrayList<>();
        for (int p = 100; p < 130; p++) {
            lines.add(p + " invoke delete x");
            lines.add(p + " info delete x");
        }
        for (int i = 1; i <= 30; i++) {
            lines.addAll(List.of("1 invoke put x v" + i, "1 ok put x v" + i, "2 invoke get x", "2 ok get x _"));
        }
        lines.addAll(List.of("2 invoke get x", "2 ok get x v1"));
        List<Operation> ops = Histories.of(lines.toArray(String[]::new)).operations();
        SearchResult result = WglSearch.check(new RegisterModel(), ops, Budget.unlimited().withMaxSteps(2_000_000));
        assertEquals(Verdict.NOT_LINEARIZABLE, result.verdict(), String.valueOf(result));
        List<Operation> linearizable = ops.subList(0, ops.size() - 1);
        assertEquals(Verdict.LINEARIZABLE, WglSearch.check(new RegisterModel(), linearizable,
                Budget.unlimited().withMaxSteps(2_000_000)).verdict());
    }
}
