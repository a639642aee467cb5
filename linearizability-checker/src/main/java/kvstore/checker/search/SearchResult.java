package kvstore.checker.search;

import kvstore.checker.history.Operation;

import java.util.List;

/**
 * What one search found.
 *
 * @param linearization when linearizable, a witness: the operations in an order that respects real time and
 *                      the model (operations with unknown outcome that never needed to happen are placed last)
 * @param reason        why the verdict is {@link Verdict#UNKNOWN}, else {@code null}
 * @param firstImpossibleEvent when not linearizable: the event that ends the shortest prefix that cannot be
 *                      linearized (events before it can be); else -1
 * @param steps         how many model steps the search tried
 * @param memoEntries   how many (linearized set, state) configurations it remembered
 */
public record SearchResult(Verdict verdict, List<Operation> linearization, String reason,
                           int firstImpossibleEvent, long steps, long memoEntries) {
}
