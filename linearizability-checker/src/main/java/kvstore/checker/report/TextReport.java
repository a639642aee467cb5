package kvstore.checker.report;

import kvstore.checker.explain.OperationText;
import kvstore.checker.search.CheckResult;
import kvstore.checker.search.KeyResult;
import kvstore.checker.search.Verdict;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The verdict in plain text: one line per history, then what a person needs to see a violation. */
public final class TextReport {
    private TextReport() {
    }

    public static List<String> lines(String name, CheckResult result) {
        List<String> out = new ArrayList<>();
        int ops = result.history().operations().size();
        String size = ops + " ops, " + result.keys().size() + (result.keys().size() == 1 ? " key" : " keys") + ", "
                + String.format(Locale.ROOT, "%.2f s", result.elapsed().toNanos() / 1e9);
        switch (result.verdict()) {
            case LINEARIZABLE -> out.add(name + ": LINEARIZABLE (" + size + ")");
            case NOT_LINEARIZABLE -> {
                List<KeyResult> bad = result.violations();
                out.add(name + ": NOT_LINEARIZABLE (" + size + "; " + bad.size() + " violating "
                        + (bad.size() == 1 ? "key" : "keys") + ": " + keyList(bad) + ")");
                for (KeyResult key : bad) {
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
                List<KeyResult> unknown = result.unknown();
                out.add(name + ": UNKNOWN (" + size + "; the budget ran out on " + unknown.size()
                        + (unknown.size() == 1 ? " key" : " keys") + ": " + keyList(unknown) + ")");
                for (KeyResult key : unknown) {
                    out.add("  key " + OperationText.key(key.key()) + ": " + key.search().reason() + " after "
                            + key.search().steps() + " steps");
                }
            }
        }
        if (result.verdict() != Verdict.UNKNOWN && !result.unknown().isEmpty()) {
            out.add("  (also undecided within the budget: " + keyList(result.unknown()) + ")");
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
