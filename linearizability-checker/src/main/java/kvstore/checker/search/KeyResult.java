package kvstore.checker.search;

import kvstore.checker.explain.Explanation;
import kvstore.checker.history.Operation;

import java.util.List;

/**
 * The verdict on one key.
 *
 * @param operations  the key's operations, all of them (also those that cannot affect the verdict)
 * @param explanation for a violation, what it is in words; {@code null} otherwise or when not explained
 */
public record KeyResult(String key, Verdict verdict, List<Operation> operations, SearchResult search,
                        Explanation explanation) {

    public KeyResult withExplanation(Explanation e) {
        return new KeyResult(key, verdict, operations, search, e);
    }
}
