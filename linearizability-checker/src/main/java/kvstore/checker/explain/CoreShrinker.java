package kvstore.checker.explain;

import kvstore.checker.history.Operation;
import kvstore.checker.model.Model;
import kvstore.checker.search.Budget;
import kvstore.checker.search.Verdict;
import kvstore.checker.search.WglSearch;

import java.util.ArrayList;
import java.util.List;

/**
 * Shrinks a non-linearizable set of operations to a small one that is still not linearizable, by Zeller's delta
 * debugging (ddmin): try to leave out ever smaller chunks, keep every removal after which the search still fails.
 *
 * <p>Leaving out a read only relaxes a history, but leaving out a write can invent a violation (a read of its
 * value would then come from nowhere). So every candidate is closed first: a dropped operation that a kept one
 * may rely on ({@link Model#dependencies}) comes back. The result is therefore a real reason, not an artefact.
 */
final class CoreShrinker<S> {
    /**
     * Each candidate's search may hold this much: shrinking tries many candidates, and one that cannot be decided
     * cheaply is simply kept (the core stays correct, only less small).
     */
    static final long CANDIDATE_SEARCH_BYTES = 32L << 20;

    private final Model<S> model;
    private final Budget budget;
    private final Budget candidateBudget;
    private boolean finished;
    private boolean candidateUndecided;

    CoreShrinker(Model<S> model, Budget budget) {
        this.model = model;
        this.budget = budget;
        this.candidateBudget = budget.withMaxSearchBytes(CANDIDATE_SEARCH_BYTES);
    }

    /** Whether the last shrink ran to a 1-minimal set (no single operation can be removed). */
    boolean finished() {
        return finished;
    }

    /** A subset of {@code operations}, containing {@code culprit}, that is still not linearizable. */
    List<Operation> shrink(List<Operation> operations, Operation culprit) {
        Model.Dependencies dependencies = model.dependencies(operations);
        List<Operation> items = new ArrayList<>(operations);
        items.remove(culprit);
        items = recentWindow(items, culprit, dependencies);
        int chunks = 2;
        finished = false;
        candidateUndecided = false;
        while (!items.isEmpty()) {
            if (budget.expired()) {
                return withCulprit(items, culprit);
            }
            int size = (items.size() + chunks - 1) / chunks;
            boolean reduced = false;
            for (int start = 0; start < items.size() && !reduced; start += size) {
                List<Operation> candidate = new ArrayList<>(items.size());
                candidate.addAll(items.subList(0, start));
                candidate.addAll(items.subList(Math.min(items.size(), start + size), items.size()));
                candidate = close(candidate, items, culprit, dependencies);
                if (candidate.size() < items.size() && fails(withCulprit(candidate, culprit))) {
                    items = candidate;
                    chunks = Math.max(chunks - 1, 2);
                    reduced = true;
                }
            }
            if (!reduced) {
                if (size == 1) {
                    break;
                }
                chunks = Math.min(chunks * 2, items.size());
            }
        }
        finished = !budget.expired() && !candidateUndecided;
        return withCulprit(items, culprit);
    }

    /**
     * Violations are nearly always local: the culprit and a few operations just before it. Searching a long
     * failing history is the expensive case (the search must exhaust it), so before delta debugging we look for
     * the shortest recent stretch of operations (plus what they rely on) that still fails, doubling its length.
     */
    private List<Operation> recentWindow(List<Operation> items, Operation culprit, Model.Dependencies dependencies) {
        for (int width = 8; width < culprit.ret() && !budget.expired(); width *= 2) {
            int from = culprit.call() - width;
            List<Operation> recent = new ArrayList<>();
            for (Operation op : items) {
                if (op.ret() >= from) {
                    recent.add(op);
                }
            }
            List<Operation> candidate = close(recent, items, culprit, dependencies);
            if (candidate.size() * 2 > items.size()) {
                break; // no longer much smaller than everything: let delta debugging take it from here
            }
            if (fails(withCulprit(candidate, culprit))) {
                return candidate;
            }
        }
        return items;
    }

    /** Adds back, until nothing changes, every dropped operation that a kept one (or the culprit) may rely on. */
    private static List<Operation> close(List<Operation> kept, List<Operation> all, Operation culprit,
                                         Model.Dependencies dependencies) {
        java.util.Set<Operation> keep = new java.util.HashSet<>(kept);
        keep.add(culprit);
        List<Operation> closed = new ArrayList<>(dependencies.closure(keep, withCulprit(all, culprit)));
        closed.remove(culprit);
        return closed;
    }

    private boolean fails(List<Operation> ops) {
        Verdict verdict = WglSearch.check(model, ops, candidateBudget).verdict();
        candidateUndecided |= verdict == Verdict.UNKNOWN;
        return verdict == Verdict.NOT_LINEARIZABLE;
    }

    private static List<Operation> withCulprit(List<Operation> items, Operation culprit) {
        List<Operation> out = new ArrayList<>(items.size() + 1);
        boolean placed = false;
        for (Operation op : items) {
            if (!placed && op.id() > culprit.id()) {
                out.add(culprit);
                placed = true;
            }
            out.add(op);
        }
        if (!placed) {
            out.add(culprit);
        }
        return out;
    }
}
