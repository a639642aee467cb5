package kvstore.checker.search;

import kvstore.checker.history.History;

import java.time.Duration;
import java.util.List;

/**
 * The verdict on a whole history: not linearizable if any key is not; unknown if no key is but some key ran out
 * of budget; else linearizable.
 *
 * @param keys every key's result, in key order
 */
public record CheckResult(Verdict verdict, History history, List<KeyResult> keys, Duration elapsed) {

    public List<KeyResult> violations() {
        return keys.stream().filter(k -> k.verdict() == Verdict.NOT_LINEARIZABLE).toList();
    }

    public List<KeyResult> unknown() {
        return keys.stream().filter(k -> k.verdict() == Verdict.UNKNOWN).toList();
    }
}
