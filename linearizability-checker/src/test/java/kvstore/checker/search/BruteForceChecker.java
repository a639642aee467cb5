package kvstore.checker.search;

import kvstore.checker.history.History;
import kvstore.checker.history.Operation;
import kvstore.checker.model.Model;

import java.util.List;

/**
 * Linearizability by definition, for tiny histories: try every order of every key's operations and accept if
 * one respects real time and the model. Exponential, and independent of the WGL search it checks.
 */
final class BruteForceChecker {
    private BruteForceChecker() {
    }

    static <S> boolean linearizable(History history, Model<S> model) {
        for (List<Operation> ops : history.byKey().values()) {
            List<Operation> relevant = ops.stream().filter(Operation::constrains).toList();
            if (!someOrderWorks(relevant, new boolean[relevant.size()], 0, model.initialState(), model)) {
                return false;
            }
        }
        return true;
    }

    private static <S> boolean someOrderWorks(List<Operation> ops, boolean[] placed, int count, S state,
                                              Model<S> model) {
        if (count == ops.size()) {
            return true;
        }
        for (int i = 0; i < ops.size(); i++) {
            if (placed[i] || !nothingUnplacedPrecedes(ops, placed, i)) {
                continue;
            }
            S after = model.step(state, ops.get(i));
            if (after == null) {
                continue;
            }
            placed[i] = true;
            boolean works = someOrderWorks(ops, placed, count + 1, after, model);
            placed[i] = false;
            if (works) {
                return true;
            }
        }
        return false;
    }

    private static boolean nothingUnplacedPrecedes(List<Operation> ops, boolean[] placed, int i) {
        for (int j = 0; j < ops.size(); j++) {
            if (!placed[j] && j != i && ops.get(j).precedes(ops.get(i))) {
                return false;
            }
        }
        return true;
    }
}
