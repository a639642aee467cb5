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
}
