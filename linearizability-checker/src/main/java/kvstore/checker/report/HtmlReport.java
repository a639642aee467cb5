package kvstore.checker.report;

import kvstore.checker.explain.Explanation;
import kvstore.checker.explain.OperationText;
import kvstore.checker.history.Operation;
import kvstore.checker.search.CheckResult;
import kvstore.checker.search.KeyResult;
import kvstore.checker.search.Verdict;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * One self-contained HTML file (no scripts or styles from the network) that shows each history's verdict and,
 * for every violation, the key's operations as bars on process lanes with the violating ones in red. Hovering a
 * bar shows the operation in full.
 */
public final class HtmlReport {
    /** A history's result under the name it is reported by (usually its file name). */
    public record Named(String name, CheckResult result) {
    }

    private static final int MAX_LINEARIZABLE_KEYS_DRAWN = 20;
    private static final int MAX_OPS_DRAWN_PER_LINEARIZABLE_KEY = 200;

    private HtmlReport() {
    }

    /**
     * What a caller shows above the checker's report (a run's plots, say), with the style it needs.
     *
     * @param css  style rules for the page's head
     * @param html a section placed after the title, before the verdicts
     */
    public record Above(String css, String html) {
        public static final Above NOTHING = new Above("", "");
    }

    public static void write(Path file, List<Named> results) throws IOException {
        write(file, results, Above.NOTHING);
    }

    public static void write(Path file, List<Named> results, Above above) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        Files.writeString(file, render(results, above), StandardCharsets.UTF_8);
    }

    public static String render(List<Named> results) {
        return render(results, Above.NOTHING);
    }

    public static String render(List<Named> results, Above above) {
        StringBuilder out = new StringBuilder(1 << 16);
        out.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n")
                .append("<title>Linearizability report</title>\n<style>\n").append(CSS).append(above.css())
                .append("</style></head>\n").append("<body>\n<h1>Linearizability report</h1>\n")
                .append(above.html());
        out.append("<table class=\"summary\"><tr><th>history</th><th>verdict</th><th>operations</th><th>keys</th>")
                .append("<th>time</th></tr>\n");
        for (int i = 0; i < results.size(); i++) {
            Named n = results.get(i);
            out.append("<tr><td><a href=\"#h").append(i).append("\">").append(Html.escape(n.name()))
                    .append("</a></td><td class=\"").append(verdictClass(n.result().verdict())).append("\">")
                    .append(n.result().verdict()).append("</td><td>")
                    .append(n.result().history().operations().size()).append("</td><td>")
                    .append(n.result().keys().size()).append("</td><td>")
                    .append(String.format(Locale.ROOT, "%.2f s", n.result().elapsed().toNanos() / 1e9))
                    .append("</td></tr>\n");
        }
        out.append("</table>\n").append(LEGEND);
        for (int i = 0; i < results.size(); i++) {
            section(out, i, results.get(i));
        }
        return out.append("</body></html>\n").toString();
    }

    private static void section(StringBuilder out, int index, Named named) {
        CheckResult result = named.result();
        out.append("<section id=\"h").append(index).append("\"><h2>").append(Html.escape(named.name()))
                .append(" &mdash; <span class=\"").append(verdictClass(result.verdict())).append("\">")
                .append(result.verdict()).append("</span></h2>\n");
        for (KeyResult key : result.violations()) {
            out.append("<h3>key ").append(Html.escape(OperationText.key(key.key())))
                    .append(": not linearizable</h3>\n");
            Explanation e = key.explanation();
            if (e == null) {
                out.append("<p>Not explained (only the first violating keys are, within the explain budget).</p>\n");
                Timeline.of(key.operations(), Set.of(), null, -1, result.history().annotations()).render(out);
                continue;
            }
            out.append("<pre class=\"explain\">");
            for (String s : e.sentences()) {
                out.append(Html.escape(s)).append('\n');
            }
            out.append("</pre>\n");
            Set<Integer> core = new HashSet<>();
            for (Operation op : e.core()) {
                core.add(op.id());
            }
            Timeline.around(key.operations(), core, e.culprit(), e.linearizableEvents(),
                    result.history().annotations()).render(out);
        }
        for (KeyResult key : result.unknown()) {
            out.append("<h3>key ").append(Html.escape(OperationText.key(key.key()))).append(": unknown</h3><p>")
                    .append(Html.escape(key.search().reason())).append("</p>\n");
        }
        List<KeyResult> good = result.keys().stream().filter(k -> k.verdict() == Verdict.LINEARIZABLE).toList();
        if (!good.isEmpty()) {
            out.append("<details><summary>").append(good.size()).append(good.size() == 1 ? " key" : " keys")
                    .append(" linearizable</summary>\n");
            int drawn = 0;
            for (KeyResult key : good) {
                out.append("<h4>key ").append(Html.escape(OperationText.key(key.key()))).append(" (")
                        .append(key.operations().size()).append(" ops)</h4>\n");
                if (drawn < MAX_LINEARIZABLE_KEYS_DRAWN
                        && key.operations().size() <= MAX_OPS_DRAWN_PER_LINEARIZABLE_KEY) {
                    Timeline.of(key.operations(), Set.of(), null, -1, result.history().annotations()).render(out);
                    drawn++;
                }
            }
            out.append("</details>\n");
        }
        out.append("</section>\n");
    }

    private static String verdictClass(Verdict v) {
        return switch (v) {
            case LINEARIZABLE -> "good";
            case NOT_LINEARIZABLE -> "bad";
            case UNKNOWN -> "unknown";
        };
    }

    private static final String CSS = """
            body { font: 14px/1.4 system-ui, sans-serif; margin: 24px; color: #222; }
            h1 { font-size: 20px; } h2 { font-size: 17px; margin-top: 32px; } h3 { font-size: 15px; }
            table.summary { border-collapse: collapse; } table.summary td, table.summary th { border: 1px solid #ccc; padding: 3px 8px; }
            .good { color: #1a7f37; font-weight: 600; } .bad { color: #cf222e; font-weight: 600; } .unknown { color: #9a6700; font-weight: 600; }
            pre.explain { background: #fff8f8; border-left: 4px solid #cf222e; padding: 8px 12px; white-space: pre-wrap; }
            .timeline { overflow-x: auto; border: 1px solid #ddd; margin: 8px 0 20px; }
            svg text { font: 11px ui-monospace, monospace; }
            .op rect { stroke: #555; stroke-width: 1; } .op:hover rect { stroke: #000; stroke-width: 2.5; }
            .read rect { fill: #b6e3c0; } .write rect { fill: #b8d4f5; } .cas rect { fill: #d9c8f0; }
            .fail rect { fill: #e6e6e6; } .info rect { fill-opacity: .45; stroke-dasharray: 4 3; }
            .core rect { stroke: #cf222e; stroke-width: 2.5; } .culprit rect { fill: #ff8a8a; }
            .lane { fill: #fafafa; } .lanelabel { fill: #666; }
            .cut { stroke: #cf222e; stroke-width: 2; } .after { fill: #cf222e; fill-opacity: .05; }
            .annotation { stroke: #9a6700; stroke-dasharray: 2 2; }
            .legend span { display: inline-block; padding: 1px 8px; margin-right: 6px; border: 1px solid #555; border-radius: 3px; }
            """;

    private static final String LEGEND = """
            <p class="legend"><span style="background:#b6e3c0">read</span><span style="background:#b8d4f5">write</span>\
            <span style="background:#d9c8f0">cas</span><span style="background:#e6e6e6">failed</span>\
            <span style="border-style:dashed">outcome unknown (may take effect any time after its call)</span>\
            <span style="border:2px solid #cf222e">in the violation</span><span style="background:#ff8a8a">culprit</span>\
            Time runs left to right in event order (t0 is the first event). Hover a bar for details.</p>
            """;
}
