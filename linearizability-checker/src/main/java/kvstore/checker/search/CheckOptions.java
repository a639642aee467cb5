package kvstore.checker.search;

import java.time.Duration;

/**
 * How a check runs.
 *
 * @param timeout          the time the verdict may take, for the whole history
 * @param explainTimeout   the time the explanation of violations may take, after the verdict
 * @param threads          how many keys are checked at once
 * @param maxSearchBytes   how much memory one key's search may hold (estimated) before it gives up
 * @param maxExplainedKeys how many violating keys get a full explanation (the first ones, in key order)
 * @param allKeys          whether every key is decided even once one is found not linearizable; if not, the
 *                         searches still running then stop (the verdict is the same, found sooner), as
 *                         Porcupine does
 */
public record CheckOptions(Duration timeout, Duration explainTimeout, int threads, long maxSearchBytes,
                           int maxExplainedKeys, boolean allKeys) {

    /**
     * Every key decided; at most half the heap for the searches running at once, so that the history, the
     * explanations and the garbage collector have the rest whatever the heap size.
     */
    public static CheckOptions defaults() {
        int threads = Runtime.getRuntime().availableProcessors();
        long perSearch = Math.max(8L << 20, Runtime.getRuntime().maxMemory() / 2 / threads);
        return new CheckOptions(Duration.ofMinutes(5), Duration.ofMinutes(1), threads, perSearch, 5, true);
    }

    public CheckOptions withTimeout(Duration t) {
        return new CheckOptions(t, explainTimeout, threads, maxSearchBytes, maxExplainedKeys, allKeys);
    }

    public CheckOptions withExplainTimeout(Duration t) {
        return new CheckOptions(timeout, t, threads, maxSearchBytes, maxExplainedKeys, allKeys);
    }

    /** The per-search memory share follows the number of searches running at once. */
    public CheckOptions withThreads(int n) {
        long perSearch = Math.max(8L << 20, maxSearchBytes * threads / n);
        return new CheckOptions(timeout, explainTimeout, n, perSearch, maxExplainedKeys, allKeys);
    }

    public CheckOptions withMaxSearchBytes(long n) {
        return new CheckOptions(timeout, explainTimeout, threads, n, maxExplainedKeys, allKeys);
    }

    public CheckOptions withAllKeys(boolean all) {
        return new CheckOptions(timeout, explainTimeout, threads, maxSearchBytes, maxExplainedKeys, all);
    }
}
