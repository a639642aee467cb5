package kvstore.checker.explain;

import kvstore.checker.history.Operation;

import java.util.List;

/**
 * Why one key's history is not linearizable.
 *
 * @param culprit           the operation whose completion first makes the history impossible ({@code null} if the
 *                          budget ran out before it was found)
 * @param linearizableEvents the longest linearizable prefix: events t0 .. t(n-1) can be explained, event tn (the
 *                          culprit's completion) cannot; -1 if unknown
 * @param core              the smallest set of operations found that still cannot be linearized, in call order; it
 *                          contains the culprit. Leaving out other operations never invents a violation: see
 *                          {@link kvstore.checker.model.Model#dependencies}
 * @param minimal           whether no single operation could be removed from {@code core} (false when the budget
 *                          stopped the shrinking early)
 * @param sentences         the violation in words
 */
public record Explanation(String key, Operation culprit, int linearizableEvents, List<Operation> core,
                          boolean minimal, List<String> sentences) {

    /**
     * A violation proved by reasoning rather than found by the search (the shortest failing prefix is then not
     * known): its operations in call order, the culprit marked, then why, in words.
     */
    public static Explanation proof(String key, List<Operation> core, Operation culprit, boolean minimal,
                                    List<String> why) {
        List<Operation> ordered = new java.util.ArrayList<>(core);
        ordered.sort(java.util.Comparator.comparingInt(Operation::id));
        List<String> sentences = new java.util.ArrayList<>();
        sentences.add(ordered.size() == 1 ? "This operation alone cannot be linearized:"
                : "These " + ordered.size() + " operations cannot be linearized together:");
        for (Operation op : ordered) {
            sentences.add("  " + OperationText.describe(op) + (op == culprit ? "   <- culprit" : ""));
        }
        sentences.addAll(why);
        return new Explanation(key, culprit, -1, List.copyOf(ordered), minimal, List.copyOf(sentences));
    }

    /** For a {@link #proof}: why, in words (the sentences after the operations). */
    public List<String> why() {
        return sentences.subList(core.size() + 1, sentences.size());
    }
}
