package kvstore.checker.search;

import java.time.Duration;

/**
 * How a check runs.
 *
 * @param timeout          the time the verdict may take, for the whole history
 * @param explainTimeout   the time the explanation of violations may take, after the verdict
 * @param threads          how many keys are checked at once
 * @param maxMemoEntries   how many configurations one key's search may remember before it gives up
 * @param maxExplainedKeys how many violating keys get a full explanation (the first ones, in key order)
 */
public record CheckOptions(Duration timeout, Duration explainTimeout, int threads, long maxMemoEntries,
                           int maxExplainedKeys) {

    public static CheckOptions defaults() {
        // Each key's search has its own cap; with every core busy, all of them together must fit in about half
        // the heap, at roughly 160 bytes per remembered configuration.
        int threads = Runtime.getRuntime().availableProcessors();
        long memo = Math.max(100_000, Runtime.getRuntime().maxMemory() / 2 / 160 / threads);
        return new CheckOptions(Duration.ofMinutes(5), Duration.ofMinutes(1),
                Runtime.getRuntime().availableProcessors(), memo, 5);
    }

    public CheckOptions withTimeout(Duration t) {
        return new CheckOptions(t, explainTimeout, threads, maxMemoEntries, maxExplainedKeys);
    }

    public CheckOptions withExplainTimeout(Duration t) {
        return new CheckOptions(timeout, t, threads, maxMemoEntries, maxExplainedKeys);
    }

    public CheckOptions withThreads(int n) {
        return new CheckOptions(timeout, explainTimeout, n, maxMemoEntries, maxExplainedKeys);
    }

    public CheckOptions withMaxMemoEntries(long n) {
        return new CheckOptions(timeout, explainTimeout, threads, n, maxExplainedKeys);
    }
}
