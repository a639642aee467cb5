package kvstore.checker.explain;

import kvstore.checker.history.Operation;
import kvstore.checker.history.OpKind;
import kvstore.checker.history.Outcome;
import kvstore.checker.model.Model;

import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * For a small set of operations: every state the object can be in at a moment when {@code target} could take
 * effect (every operation that returned before its call has been linearized, none called after its return has),
 * over all orders of the other operations that respect real time and the model, with the operations that last
 * changed the state. An exhaustive search, so only for the few operations of an explanation's core.
 */
final class ReachableStates {
    /** Stands for "no operation changed the state yet". */
    static final Operation INITIAL = new Operation(-1, "", OpKind.GET, null, null, null, Outcome.OK, -1, -1, 0, 0,
            0, 0);
    private static final int MAX_OPERATIONS = 40;
    private static final int MAX_VISITS = 200_000;

    private ReachableStates() {
    }

    /** The states and their last writers, or {@code null} if the set is too large to enumerate. */
    static <S> Map<S, Set<Operation>> whenReady(List<Operation> ops, Operation target, Model<S> model) {
        if (ops.size() > MAX_OPERATIONS) {
            return null;
        }
        Search<S> search = new Search<>(ops, target, model);
        search.visit(0L, model.initialState(), INITIAL);
        return search.overflow ? null : search.found;
    }

    private static final class Search<S> {
        final Operation[] ops;
        final int targetIndex;
        final Model<S> model;
        final Map<S, Set<Operation>> found = new LinkedHashMap<>();
        final Set<List<Object>> seen = new HashSet<>();
        boolean overflow;

        Search(List<Operation> ops, Operation target, Model<S> model) {
            this.ops = ops.toArray(new Operation[0]);
            this.targetIndex = ops.indexOf(target);
            this.model = model;
        }

        void visit(long done, S state, Operation lastWriter) {
            if (overflow || !seen.add(List.of(done, state, lastWriter.id()))) {
                return;
            }
            if (seen.size() > MAX_VISITS) {
                overflow = true;
                return;
            }
            if (ready(done, targetIndex)) {
                found.computeIfAbsent(state, s -> new LinkedHashSet<>()).add(lastWriter);
            }
            for (int i = 0; i < ops.length; i++) {
                if (i == targetIndex || (done & (1L << i)) != 0 || !ready(done, i)) {
                    continue;
                }
                S after = model.step(state, ops[i]);
                if (after != null) {
                    visit(done | (1L << i), after, after.equals(state) ? lastWriter : ops[i]);
                }
            }
        }

        /** Whether op i may be linearized next: no operation still to go returned before it was called. */
        private boolean ready(long done, int i) {
            for (int j = 0; j < ops.length; j++) {
                if (j != i && (done & (1L << j)) == 0 && ops[j].ret() < ops[i].call()) {
                    return false;
                }
            }
            return true;
        }
    }
}
