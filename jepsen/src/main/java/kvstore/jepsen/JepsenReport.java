package kvstore.jepsen;

import kvstore.checker.history.HistoryWriter;
import kvstore.checker.report.HtmlReport;
import kvstore.checker.report.TextReport;
import kvstore.checker.search.CheckResult;
import kvstore.checker.search.Verdict;
import kvstore.sim.workload.HistoryRecorder;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The report folder of a run: {@code history.jsonl} (the checker's format; re-check it with {@code ./kv check}),
 * {@code report.html} (the run's plots, then the checker's verdict and timelines), {@code summary.txt} (verdict, throughput, latencies, the fault
 * timeline) and {@code logs/} (each node's output).
 */
final class JepsenReport {
    private JepsenReport() {
    }

    static String summary(RunSettings s, CheckResult check, List<String> lost, int unexpected, List<String> problems,
                          Latencies latencies, double seconds, NemesisLog nemesisLog, List<Long> failoverMillis) {
        List<String> out = new ArrayList<>();
        boolean worked = latencies.okWrites() > 0 && latencies.okReads() > 0;
        boolean passed = check.verdict() == Verdict.LINEARIZABLE && lost.isEmpty() && unexpected == 0
                && problems.isEmpty() && worked;
        out.add("verdict: " + check.verdict() + ", " + (lost.isEmpty() ? "no acknowledged write lost"
                : lost.size() + " acknowledged writes lost") + (unexpected == 0 ? ""
                : ", " + unexpected + " unexpected answers (4xx/500)") + (problems.isEmpty() ? ""
                : ", the cluster did not recover") + (worked ? "" : ", no write or no read ever succeeded")
                + "  =>  " + (passed ? "PASS" : "FAIL"));
        problems.forEach(p -> out.add("problem: " + p));
        out.add(String.format("run: %d nodes, %d clients, %d keys, nemesis %s, seed %d, %.1f s%s", s.nodes(),
                s.clients(), s.keys(), s.nemeses().stream().map(Nemesis.Kind::cliName).toList(), s.seed(), seconds,
                s.plantedBug() == null ? "" : ", planted bug " + s.plantedBug())
                + (s.controller() ? ", failover by the controller" : ", failover by the harness's operator")
                + (s.tls() ? ", over TLS" : "") + (s.binding() == RunSettings.ClientBinding.NODE
                ? ", each client bound to one node" : ", clients through the client library (to the primary, retrying)"));
        int total = latencies.total();
        out.add(String.format("operations: %d requests, %.0f/s; ok %d, fail %d, info (outcome unknown) %d",
                total, total / seconds, latencies.count("ok"), latencies.count("fail"), latencies.count("info")));
        if (!failoverMillis.isEmpty()) {
            out.add("kill -9 of the primary to the next successful write: " + failoverMillis.stream()
                    .map(ms -> ms + " ms").toList());
        }
        out.add("");
        out.add("latency by operation and outcome:");
        latencies.table().forEach(l -> out.add("  " + l));
        out.add("");
        out.add("fault timeline:");
        nemesisLog.entries().forEach(e -> out.add("  " + e));
        lost.forEach(l -> out.add("lost: " + l));
        if (check.verdict() != Verdict.LINEARIZABLE) {
            out.add("");
            out.addAll(TextReport.lines("history", check));
        }
        return String.join("\n", out) + "\n";
    }

    static void write(Path dir, HistoryRecorder history, CheckResult check, String summary,
                      NemesisLog nemesisLog, MetricsScraper.Curves curves, long clientsStoppedNanos)
            throws IOException {
        List<HistoryRecorder.Line> lines = history.lines();
        Files.createDirectories(dir);
        try (HistoryWriter w = new HistoryWriter(Files.newBufferedWriter(dir.resolve("history.jsonl"),
                StandardCharsets.UTF_8))) {
            for (HistoryRecorder.Line line : lines) {
                switch (line) {
                    case HistoryRecorder.Recorded r -> w.write(r.event());
                    case HistoryRecorder.Note n -> w.writeNemesis("note", n.text(), n.time());
                }
            }
        }
        RunPlots plots = new RunPlots(RunPlots.ops(history, clientsStoppedNanos), nemesisLog.faults(),
                nemesisLog.viewChanges(), curves, clientsStoppedNanos);
        HtmlReport.write(dir.resolve("report.html"), List.of(new HtmlReport.Named("Jepsen-style run", check)),
                new HtmlReport.Above(RunPlots.CSS, plots.html()));
        Files.writeString(dir.resolve("summary.txt"), summary);
    }
}
