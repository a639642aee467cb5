package kvstore.checker.search;

import kvstore.checker.explain.Explainer;
import kvstore.checker.history.History;
import kvstore.checker.history.Operation;
import kvstore.checker.model.Model;

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
 * order. Only a budget running out can change an answer, and then it says {@link Verdict#UNKNOWN}.
 */
public final class LinearizabilityChecker {
    private LinearizabilityChecker() {
    }

    public static <S> CheckResult check(History history, Model<S> model, CheckOptions options) {
        long start = System.nanoTime();
        Budget budget = Budget.of(options.timeout(), options.maxMemoEntries());
        List<Map.Entry<String, List<Operation>>> keys = new ArrayList<>(history.byKey().entrySet());

        List<KeyResult> results = runAll(keys, e -> e.getValue().size(), options.threads(),
                entry -> checkKey(entry, model, budget));

        List<Integer> toExplain = new ArrayList<>();
        for (int i = 0; i < results.size() && toExplain.size() < options.maxExplainedKeys(); i++) {
            if (results.get(i).verdict() == Verdict.NOT_LINEARIZABLE) {
                toExplain.add(i);
            }
        }
        if (!toExplain.isEmpty()) {
            Budget explainBudget = Budget.of(options.explainTimeout(), options.maxMemoEntries());
            List<KeyResult> explained = runAll(toExplain.stream().map(results::get).toList(),
                    r -> r.operations().size(), options.threads(),
                    r -> r.withExplanation(Explainer.explain(r.key(), searchable(r.operations(), model),
                            r.search().firstImpossibleEvent(), model, explainBudget)));
            for (int i = 0; i < toExplain.size(); i++) {
                results.set(toExplain.get(i), explained.get(i));
            }
        }

        Verdict verdict = Verdict.LINEARIZABLE;
        for (KeyResult r : results) {
            if (r.verdict() == Verdict.NOT_LINEARIZABLE) {
                verdict = Verdict.NOT_LINEARIZABLE;
                break;
            }
            if (r.verdict() == Verdict.UNKNOWN) {
                verdict = Verdict.UNKNOWN;
            }
        }
        return new CheckResult(verdict, history, List.copyOf(results), Duration.ofNanos(System.nanoTime() - start));
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

    private static <S> KeyResult checkKey(Map.Entry<String, List<Operation>> entry, Model<S> model, Budget budget) {
        SearchResult search = WglSearch.check(model, searchable(entry.getValue(), model), budget);
        return new KeyResult(entry.getKey(), search.verdict(), entry.getValue(), search, null);
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
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw new IllegalStateException(e.getCause());
        } finally {
            pool.shutdownNow();
        }
    }
}
