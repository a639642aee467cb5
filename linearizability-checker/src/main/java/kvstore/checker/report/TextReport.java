package kvstore.checker.report;

import kvstore.checker.explain.OperationText;
import kvstore.checker.search.CheckResult;
import kvstore.checker.search.KeyResult;
import kvstore.checker.search.Verdict;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Locale;

/** The verdict in plain text: one line per history, then what a person needs to see a violation. */
public final class TextReport {
    private TextReport() {
    }

    /** The verdict line, then the details. */
    public static List<String> lines(String name, CheckResult result) {
        List<String> out = new ArrayList<>();
        out.add(verdictLine(name, result));
        out.addAll(details(result));
        return out;
    }

    /** One line: the history, its verdict, its size, how long deciding took, and the keys at fault. */
    public static String verdictLine(String name, CheckResult result) {
        int ops = result.history().operations().size();
        String size = ops + " ops, " + result.keys().size() + (result.keys().size() == 1 ? " key" : " keys") + ", "
                + String.format(Locale.ROOT, "%.2f s", result.elapsed().toNanos() / 1e9);
        return switch (result.verdict()) {
            case LINEARIZABLE -> name + ": LINEARIZABLE (" + size + ")";
            case NOT_LINEARIZABLE -> {
                List<KeyResult> bad = result.violations();
                yield name + ": NOT_LINEARIZABLE (" + size + "; " + bad.size() + " violating "
                        + (bad.size() == 1 ? "key" : "keys") + ": " + keyList(bad) + ")";
            }
            case UNKNOWN -> {
                List<KeyResult> unknown = result.unknown();
                yield name + ": UNKNOWN (" + size + "; the budget ran out on " + unknown.size()
                        + (unknown.size() == 1 ? " key" : " keys") + ": " + keyList(unknown) + ")";
            }
        };
    }

    /** What a person needs to see a violation, or why a verdict is unknown. */
    public static List<String> details(CheckResult result) {
        List<String> out = new ArrayList<>();
        if (result.history().failedLeftOut() > 0) {
            out.add("  (" + result.history().failedLeftOut() + " failed operations left out: read with Jepsen's"
                    + " meaning, a failed operation did not happen and tells nothing)");
        }
        switch (result.verdict()) {
            case NOT_LINEARIZABLE -> {
                for (KeyResult key : result.violations()) {
                    out.add("  key " + OperationText.key(key.key()) + ":");
                    if (key.explanation() == null) {
                        out.add("    (not explained: only the first violating keys are, within the explain budget)");
                        continue;
                    }
                    for (String sentence : key.explanation().sentences()) {
                        out.add("    " + sentence);
                    }
                }
            }
            case UNKNOWN -> {
                for (KeyResult key : result.unknown()) {
                    out.add("  key " + OperationText.key(key.key()) + ": " + key.search().reason() + " after "
                            + key.search().steps() + " steps");
                }
            }
            case LINEARIZABLE -> { }
        }
        if (result.verdict() != Verdict.UNKNOWN && !result.unknown().isEmpty()) {
            Map<String, List<KeyResult>> byReason = new LinkedHashMap<>();
            for (KeyResult k : result.unknown()) {
                String reason = k.search().reason() == null ? "undecided" : k.search().reason();
                byReason.computeIfAbsent(reason.startsWith("not decided") ? reason : "undecided within the budget",
                        r -> new ArrayList<>()).add(k);
            }
            byReason.forEach((reason, keys) -> out.add("  (" + reason + ": " + keyList(keys) + ")"));
        }
        return out;
    }

    private static String keyList(List<KeyResult> keys) {
        StringBuilder out = new StringBuilder();
        int shown = Math.min(keys.size(), 10);
        for (int i = 0; i < shown; i++) {
            out.append(i == 0 ? "" : ", ").append(OperationText.key(keys.get(i).key()));
        }
        if (keys.size() > shown) {
            out.append(", and ").append(keys.size() - shown).append(" more");
        }
        return out.toString();
    }
}
