package kvstore.checker.search;

import kvstore.checker.explain.Explainer;
import kvstore.checker.explain.Explanation;
import kvstore.checker.explain.OperationText;
import kvstore.checker.history.History;
import kvstore.checker.history.Operation;
import kvstore.checker.model.Model;
import kvstore.checker.model.RegisterModel;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Function;
import java.util.function.ToIntFunction;

/**
 * The library entry point: checks a history key by key, in parallel, and explains what it finds.
 *
 * <pre>{@code
 * CheckResult result = LinearizabilityChecker.check(history, new RegisterModel(), CheckOptions.defaults());
 * }</pre>
 *
 * Verdicts do not depend on thread timing: each key's search is deterministic, and results are reported in key
 * order. Only a budget running out can change an answer, and then it says {@link Verdict#UNKNOWN}; so can the
 * first violation when {@link CheckOptions#allKeys()} is off (which other keys were decided by then depends on
 * timing, the history's verdict does not).
 */
public final class LinearizabilityChecker {
    /**
     * The quick first search may take this many steps per operation, and this many more: enough for a
     * linearizable history with dozens of concurrent processes, little next to a search that explodes.
     */
    private static final long QUICK_STEPS_PER_OPERATION = 64;
    private static final long QUICK_STEPS = 2_000;

    private LinearizabilityChecker() {
    }

    /** Decides and explains: {@link #decide}, then {@link #explain}. */
    public static <S> CheckResult check(History history, Model<S> model, CheckOptions options) {
        return explain(decide(history, model, options), model, options);
    }

    /**
     * The verdict on every key, without explanations (a violation found by {@link ReadsFrom} comes with its own,
     * which costs nothing more). With {@link CheckOptions#allKeys()} off, the first violation found stops the
     * searches still running: they end UNKNOWN with that reason, and the history's verdict is the same.
     */
    public static <S> CheckResult decide(History history, Model<S> model, CheckOptions options) {
        long start = System.nanoTime();
        Budget budget = Budget.of(options.timeout(), options.maxSearchBytes());
        List<Map.Entry<String, List<Operation>>> keys = new ArrayList<>(history.byKey().entrySet());
        List<KeyResult> results;
        try {
            results = runAll(keys, e -> e.getValue().size(), options.threads(), entry -> {
                KeyResult r = checkKey(entry, model, budget);
                if (r.verdict() == Verdict.NOT_LINEARIZABLE && !options.allKeys()) {
                    budget.stop("not decided: stopped once key " + OperationText.key(r.key())
                            + " was found not linearizable (--all-keys decides every key)");
                }
                return r;
            });
        } finally {
            budget.stop("stopped: the check ended"); // searches left running after a failure end too
        }
        return new CheckResult(verdictOf(results), history, List.copyOf(results),
                Duration.ofNanos(System.nanoTime() - start));
    }

    /**
     * Explains the first violating keys ({@link CheckOptions#maxExplainedKeys()}) under a budget of their own. The
     * verdict is never changed: when the budget or the memory runs out, an explanation says less (the shortest
     * non-linearizable prefix and its culprit), never something false.
     */
    public static <S> CheckResult explain(CheckResult decided, Model<S> model, CheckOptions options) {
        List<KeyResult> results = new ArrayList<>(decided.keys());
        List<Integer> toExplain = new ArrayList<>();
        for (int i = 0; i < results.size() && toExplain.size() < options.maxExplainedKeys(); i++) {
            if (results.get(i).verdict() == Verdict.NOT_LINEARIZABLE && results.get(i).explanation() == null) {
                toExplain.add(i);
            }
        }
        if (toExplain.isEmpty()) {
            return decided;
        }
        long start = System.nanoTime();
        Budget explainBudget = Budget.of(options.explainTimeout(), options.maxSearchBytes());
        List<KeyResult> explained = runAll(toExplain.stream().map(results::get).toList(),
                r -> r.operations().size(), options.threads(), r -> r.withExplanation(explainKey(r, model,
                        explainBudget)));
        for (int i = 0; i < toExplain.size(); i++) {
            results.set(toExplain.get(i), explained.get(i));
        }
        return new CheckResult(decided.verdict(), decided.history(), List.copyOf(results),
                decided.elapsed().plusNanos(System.nanoTime() - start));
    }

    private static <S> Explanation explainKey(KeyResult r, Model<S> model, Budget budget) {
        List<Operation> ops = searchable(r.operations(), model);
        try {
            return Explainer.explain(r.key(), ops, r.search().firstImpossibleEvent(), model, budget);
        } catch (OutOfMemoryError e) {
            // The budget bounds each search, not everything an explanation allocates: should the heap still run
            // out, the culprit and the prefix are known already.
            return Explainer.culpritOnly(r.key(), ops, r.search().firstImpossibleEvent(),
                    "explaining ran out of memory");
        }
    }

    private static Verdict verdictOf(List<KeyResult> results) {
        Verdict verdict = Verdict.LINEARIZABLE;
        for (KeyResult r : results) {
            if (r.verdict() == Verdict.NOT_LINEARIZABLE) {
                return Verdict.NOT_LINEARIZABLE;
            }
            if (r.verdict() == Verdict.UNKNOWN) {
                verdict = Verdict.UNKNOWN;
            }
        }
        return verdict;
    }

    /**
     * The operations the search needs: those that can affect the verdict ({@link Operation#constrains()}), less
     * those the model shows to be irrelevant ({@link Model#relevant}).
     */
    public static List<Operation> searchable(List<Operation> operations, Model<?> model) {
        List<Operation> out = new ArrayList<>(operations.size());
        for (Operation op : operations) {
            if (op.constrains()) {
                out.add(op);
            }
        }
        return model.relevant(out);
    }

    /**
     * One key. Most keys are linearizable and the search shows that fast, so it goes first, for a few dozen steps
     * per operation. Then the reads-from reasoning, which proves most violations of histories with distinct
     * values in O(n log n) with a proof of a few operations (confirmed by an exact search of just those), for
     * registers ({@link ReadsFrom}) and for values built by appends ({@link AppendReadsFrom}); for puts and gets
     * of distinct values it is exact, so finding no violation there decides the key. Then the search in full.
     */
    private static <S> KeyResult checkKey(Map.Entry<String, List<Operation>> entry, Model<S> model, Budget budget) {
        String key = entry.getKey();
        List<Operation> ops = entry.getValue();
        try {
            List<Operation> searchable = searchable(ops, model);
            SearchResult quick = WglSearch.check(model, searchable,
                    budget.withMaxSteps(QUICK_STEPS_PER_OPERATION * searchable.size() + QUICK_STEPS));
            if (quick.verdict() == Verdict.LINEARIZABLE || budget.expired()) {
                return new KeyResult(key, quick.verdict(), ops, quick, null);
            }
            if (model instanceof RegisterModel register) {
                KeyResult reasoned = reason(key, ops, searchable, quick, register, budget);
                if (reasoned != null) {
                    return reasoned;
                }
            }
            SearchResult search = quick.verdict() == Verdict.NOT_LINEARIZABLE ? quick
                    : WglSearch.check(model, searchable, budget);
            return new KeyResult(key, search.verdict(), ops, search, null);
        } catch (OutOfMemoryError e) {
            // Each search bounds its own memory; this is the last line of defence when the heap is too small
            // for even that (or for the searches of other keys at the same time): UNKNOWN, never a crash.
            return new KeyResult(key, Verdict.UNKNOWN, ops, new SearchResult(Verdict.UNKNOWN, List.of(),
                    "out of memory (give the JVM more heap: -Xmx)", -1, 0, 0), null);
        }
    }

    /**
     * The key decided by reads-from reasoning, or {@code null} to leave it to the search: a confirmed proof of a
     * violation, or, for puts and gets of distinct values, no violation at all (then no witness order is given).
     * A proof found but not confirmed within the budget decides nothing; when the quick search already found a
     * violation, the reasoning only adds its proof, and nothing it does can overturn that verdict.
     */
    private static KeyResult reason(String key, List<Operation> ops, List<Operation> searchable, SearchResult quick,
                                    RegisterModel register, Budget budget) {
        try {
            ReadsFrom.Result analysis = ReadsFrom.analyze(key, ops, register.absentReadsAsEmpty());
            if (quick.verdict() == Verdict.UNKNOWN && analysis.complete() && analysis.proofs().isEmpty()) {
                return new KeyResult(key, Verdict.LINEARIZABLE, ops, new SearchResult(Verdict.LINEARIZABLE, List.of(),
                        null, -1, quick.steps(), quick.memoEntries()), null);
            }
            Explanation proof = ReadsFrom.confirmedProof(key, analysis.proofs(), searchable, register, budget);
            if (proof == null) {
                proof = AppendReadsFrom.confirmedProof(key, ops, register, budget);
            }
            return proof == null ? null : new KeyResult(key, Verdict.NOT_LINEARIZABLE, ops, new SearchResult(
                    Verdict.NOT_LINEARIZABLE, List.of(), null, quick.firstImpossibleEvent(), quick.steps(),
                    quick.memoEntries()), proof);
        } catch (RuntimeException | OutOfMemoryError e) {
            return null; // a mistake in the reasoning, or no room for it, costs the proof, never the verdict
        }
    }

    /** Runs {@code task} on every item, biggest first across {@code threads}, and returns results in item order. */
    private static <T, R> List<R> runAll(List<T> items, ToIntFunction<T> size, int threads, Function<T, R> task) {
        if (threads <= 1 || items.size() <= 1) {
            return new ArrayList<>(items.stream().map(task).toList());
        }
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            order.add(i);
        }
        order.sort(Comparator.comparingInt((Integer i) -> -size.applyAsInt(items.get(i))));
        ExecutorService pool = Executors.newFixedThreadPool(Math.min(threads, items.size()), r -> {
            Thread t = new Thread(r, "checker");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<R>> futures = new ArrayList<>(items.size());
            for (int i = 0; i < items.size(); i++) {
                futures.add(null);
            }
            for (int i : order) {
                T item = items.get(i);
                futures.set(i, pool.submit(() -> task.apply(item)));
            }
            List<R> results = new ArrayList<>(items.size());
            for (Future<R> f : futures) {
                results.add(f.get());
            }
            return results;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while checking", e);
        } catch (ExecutionException e) {
            switch (e.getCause()) {
                case RuntimeException re -> throw re;
                case Error error -> throw error; // an OutOfMemoryError stays one, for the caller to report
                default -> throw new IllegalStateException(e.getCause());
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
