package kvstore.checker.explain;

import kvstore.checker.history.Operation;
import kvstore.checker.model.Model;
import kvstore.checker.search.Budget;
import kvstore.checker.search.SearchResult;
import kvstore.checker.search.Verdict;
import kvstore.checker.search.WglSearch;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Turns "not linearizable" into something a person can check by hand, in three steps:
 * <ol>
 *   <li>the shortest non-linearizable prefix: the failed search itself says where it ends (see
 *       {@link kvstore.checker.search.SearchResult#firstImpossibleEvent}); that event is the culprit's completion;</li>
 *   <li>a small core of that prefix that still cannot be linearized ({@link CoreShrinker});</li>
 *   <li>sentences: for a culprit that read something, the values the key could have held when it could take
 *       effect ({@link ReachableStates}).</li>
 * </ol>
 * Every step is bounded by the budget; when it runs out the explanation says less, never something false.
 */
public final class Explainer {
    /** At most this many operations of a core are listed in words. */
    static final int MAX_LISTED = 40;

    private Explainer() {
    }

    /**
     * @param operations the key's operations that can affect the verdict, which must not be linearizable
     */
    public static <S> Explanation explain(String key, List<Operation> operations, Model<S> model, Budget budget) {
        SearchResult search = WglSearch.check(model, operations, budget);
        if (search.verdict() != Verdict.NOT_LINEARIZABLE) {
            return new Explanation(key, null, -1, List.of(), false, List.of(search.verdict() == Verdict.UNKNOWN
                    ? "The budget ran out before the violation could be located."
                    : "These operations can be linearized: nothing to explain."));
        }
        return explain(key, operations, search.firstImpossibleEvent(), model, budget);
    }

    /**
     * @param operations           the key's operations that can affect the verdict
     * @param firstImpossibleEvent from the failed search of {@code operations}
     */
    public static <S> Explanation explain(String key, List<Operation> operations, int firstImpossibleEvent,
                                          Model<S> model, Budget budget) {
        List<String> sentences = new ArrayList<>();
        int breakingEvent = firstImpossibleEvent;
        List<Operation> failingPrefix = prefix(operations, breakingEvent + 1);
        Operation culprit = failingPrefix.stream().filter(op -> op.ret() == breakingEvent).findFirst().orElseThrow();

        CoreShrinker<S> shrinker = new CoreShrinker<>(model, budget);
        List<Operation> core = shrinker.shrink(failingPrefix, culprit);

        sentences.add(prefixSentence(breakingEvent, culprit));
        sentences.add(core.size() == 1
                ? "This operation alone cannot be linearized:"
                : "These " + core.size() + " operations cannot be linearized together"
                        + (shrinker.finished() ? "" : " (shrinking stopped at the budget; a smaller set may exist)")
                        + ":");
        // A core the budget left large is listed by its end, next to the culprit: the rest is in the HTML report.
        int from = Math.max(0, core.size() - MAX_LISTED);
        if (from > 0) {
            sentences.add("  ... " + from + " earlier operations (the HTML report draws them all)");
            if (core.indexOf(culprit) < from) {
                sentences.add("  " + OperationText.describe(culprit) + "   <- culprit");
            }
        }
        for (Operation op : core.subList(from, core.size())) {
            sentences.add("  " + OperationText.describe(op) + (op == culprit ? "   <- culprit" : ""));
        }
        sentences.add(reason(core, culprit, model));
        return new Explanation(key, culprit, breakingEvent, core, shrinker.finished(), sentences);
    }

    /**
     * The cheapest explanation, for when a full one cannot be afforded: where the shortest non-linearizable prefix
     * ends, and its culprit. The failed search found both; nothing more is computed.
     */
    public static Explanation culpritOnly(String key, List<Operation> operations, int firstImpossibleEvent,
                                          String why) {
        List<Operation> failingPrefix = prefix(operations, firstImpossibleEvent + 1);
        Operation culprit = failingPrefix.stream().filter(op -> op.ret() == firstImpossibleEvent).findFirst()
                .orElseThrow();
        return new Explanation(key, culprit, firstImpossibleEvent, failingPrefix, false, List.of(
                prefixSentence(firstImpossibleEvent, culprit),
                "(" + why + ": the " + failingPrefix.size() + " operations of that prefix were not shrunk to a"
                        + " smaller set that still cannot be linearized)"));
    }

    private static String prefixSentence(int breakingEvent, Operation culprit) {
        return "Events t0 to t" + (breakingEvent - 1) + " can be linearized; event t" + breakingEvent
                + (culprit.retLine() > 0 ? " (line " + culprit.retLine() + ")" : "") + ", the completion of "
                + OperationText.describe(culprit) + ", cannot.";
    }

    /**
     * The history made of events t0 .. t(end-1): operations invoked in it, those that had not completed by then
     * turned into pending ones (they may or may not have taken effect).
     */
    static List<Operation> prefix(List<Operation> operations, int end) {
        List<Operation> out = new ArrayList<>();
        for (Operation op : operations) {
            if (op.call() >= end) {
                continue;
            }
            Operation cut = op.ret() < end ? op : op.pending();
            if (cut.constrains()) {
                out.add(cut);
            }
        }
        return out;
    }

    private static <S> String reason(List<Operation> core, Operation culprit, Model<S> model) {
        String fallback = "No order of these operations respects both real time and the key's rules; the history"
                + " first becomes impossible when " + OperationText.describe(culprit) + " completes.";
        if (!culprit.observes()) {
            return fallback;
        }
        Map<S, Set<Operation>> states = ReachableStates.whenReady(core, culprit, model);
        if (states == null || states.isEmpty()) {
            return fallback;
        }
        for (S state : states.keySet()) {
            if (model.step(state, culprit) != null) {
                return fallback + " (" + OperationText.describe(culprit) + " could take effect on its own, but no"
                        + " order then fits the operations after it.)";
            }
        }
        Map<String, List<String>> because = new LinkedHashMap<>();
        for (Map.Entry<S, Set<Operation>> e : states.entrySet()) {
            List<String> sources = new ArrayList<>();
            for (Operation writer : e.getValue()) {
                sources.add(writer == ReachableStates.INITIAL ? "initially"
                        : verbOf(writer) + " by process " + writer.process() + " at "
                        + OperationText.interval(writer));
            }
            because.put(model.describe(e.getKey()), sources);
        }
        StringBuilder values = new StringBuilder();
        for (Map.Entry<String, List<String>> e : because.entrySet()) {
            if (!values.isEmpty()) {
                values.append(", ");
            }
            values.append(e.getKey()).append(" (").append(String.join("; ", e.getValue())).append(')');
        }
        String could = because.size() == 1 ? "the only value the key could hold then was "
                : "the only values the key could hold then were ";
        return "Process " + culprit.process() + " " + OperationText.action(culprit) + " at "
                + OperationText.interval(culprit) + ", but " + could + values + ".";
    }

    private static String verbOf(Operation op) {
        return switch (op.kind()) {
            case DELETE -> "deleted";
            case APPEND -> "appended";
            case CAS -> "swapped in";
            default -> "written";
        };
    }

}
