package kvstore.jepsen;

import kvstore.checker.history.CasArgument;
import kvstore.checker.history.Event;
import kvstore.checker.history.EventType;
import kvstore.checker.history.OpKind;
import kvstore.sim.workload.HistoryRecorder;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The run report's plots, drawn from a recorded history: every operation, fault and view change is on them. */
class RunPlotsTest {
    private static final long MS = 1_000_000L;

    private final List<HistoryRecorder.Line> lines = new ArrayList<>();

    private void op(String process, OpKind kind, Object value, long invokedMs, long completedMs, EventType outcome) {
        lines.add(new HistoryRecorder.Recorded(Event.invoke(process, kind, "k", value).at(invokedMs * MS)));
        lines.add(new HistoryRecorder.Recorded(Event.completion(process, outcome, kind, "k", value)
                .at(completedMs * MS)));
    }

    private String rendered() {
        return rendered(MetricsScraper.Curves.NONE);
    }

    /** Five operations in and out of two faults (one never healed), and one view change. */
    private String rendered(MetricsScraper.Curves curves) {
        op("1", OpKind.PUT, "a", 100, 105, EventType.OK);                          // no fault
        op("2", OpKind.GET, null, 1500, 1502, EventType.OK);                       // pause
        op("3", OpKind.GET, null, 2500, 2800, EventType.FAIL);                    // pause
        op("4", OpKind.PUT, "c", 5500, 8500, EventType.INFO);                       // crash-primary, never healed
        op("1", OpKind.DELETE, null, 4000, 4001, EventType.OK);                    // no fault
        lines.add(new HistoryRecorder.Recorded(Event.invoke("5", OpKind.GET, "k", null).at(6000 * MS))); // pending
        lines.add(new HistoryRecorder.Note("nemesis: SIGSTOP node 2", 1000 * MS));
        List<NemesisLog.Fault> faults = List.of(new NemesisLog.Fault("pause", 1000, 3000, "SIGSTOP node 2"),
                new NemesisLog.Fault("crash-primary", 5000, -1, "kill -9 node 1"));
        List<NemesisLog.Entry> views = List.of(new NemesisLog.Entry(2000, "controller: view 2 decided"));
        return new RunPlots(RunPlots.ops(lines), faults, views, curves, 10_000 * MS).html();
    }

    private static int count(String html, String fragment) {
        return html.split(Pattern.quote(fragment), -1).length - 1;
    }

    @Test
    void everyCompletedOperationIsAPointShapedByItsKindAndColouredByItsOutcome() {
        String html = rendered();
        assertEquals(5, count(html, "class=\"op "), "the pending get is not drawn");
        assertEquals(2, count(html, "class=\"op put\""));
        assertEquals(2, count(html, "class=\"op get\""));
        assertEquals(1, count(html, "class=\"op delete\""));
        assertEquals(1, count(html, "fill=\"#d73027\""), "one failed operation, in red");
        assertEquals(1, count(html, "fill=\"#f39c12\""), "one operation of unknown outcome, in orange");
    }

    /**
     * The nodes' metrics, scraped every 250 ms: node 1 does not answer from 0.75 s to 2 s (its lines break there),
     * and node 2 leads from 2.25 s, its backup's lag not yet known (NaN).
     */
    @Test
    void scrapedLagAndEpochsAreCurvesBrokenWhereANodeDidNotAnswer() {
        MetricsScraper scraper = new MetricsScraper(List.of(), null, () -> 0); // no nodes: fed by hand below
        for (int i = 0; i < 12; i++) {
            long at = i * 250 * MS;
            if (i < 3 || i > 7) {
                scraper.add(at, "kv_view_epoch{node=\"1\",scope=\"application\",} 1.0\n"
                        + "kv_replication_lag_seconds{backup=\"2\",node=\"1\",scope=\"application\",} 0.004\n");
            }
            scraper.add(at, "# TYPE kv_view_epoch gauge\nkv_view_epoch{node=\"2\",scope=\"application\",} "
                    + (i < 9 ? "1.0" : "2.0") + "\n" + (i < 9 ? "" : "kv_replication_lag_seconds{backup=\"1\","
                    + "node=\"2\",scope=\"application\",} NaN\n"));
        }
        MetricsScraper.Curves curves = scraper.curves();
        assertEquals(List.of("node 1", "node 2"), List.copyOf(curves.epochs().keySet()));
        assertEquals(List.of("1 to 2", "2 to 1"), List.copyOf(curves.lag().keySet()));
        String html = rendered(curves);
        assertEquals(4, count(html, "<svg"), "latency, throughput, lag and epochs");
        assertEquals(8, count(html, "<rect class=\"fault\""), "the faults on each plot");
        assertEquals(2, count(html, "<title>primary 1 to 2</title>"), "node 1's lag, broken where it was silent");
        assertEquals(0, count(html, "<title>primary 2 to 1</title>"), "nothing known: nothing drawn");
        assertEquals(2, count(html, "<title>node 1</title>"), "node 1's epoch, broken too");
        assertEquals(1, count(html, "<title>node 2</title>"), "node 2's epoch, one line with its step up");
        assertTrue(html.contains(">4 ms<") || html.contains(">5 ms<"), "the lag axis is in milliseconds: " + html);
    }

    /** In a history a failed cas is one whose comparison failed: the store answered it, so the plots count it ok. */
    @Test
    void aCasWhoseComparisonFailedWasAnswered() {
        op("1", OpKind.CAS, new CasArgument("a", "b"), 100, 105, EventType.FAIL);
        op("2", OpKind.CAS, new CasArgument("a", "b"), 200, 205, EventType.INFO);
        assertEquals(List.of(EventType.OK, EventType.INFO), RunPlots.ops(lines).stream().map(RunPlots.Op::outcome)
                .toList());
    }

    @Test
    void faultsAreBandsAndViewChangesLinesOnBothPlots() {
        String html = rendered();
        assertEquals(2, count(html, "<svg"), "latency and throughput");
        assertEquals(4, count(html, "<rect class=\"fault\""), "two faults on each plot");
        assertEquals(2, count(html, "<line class=\"view\""), "one view change on each plot");
        assertEquals(3, count(html, "<polyline class=\"rate\""), "ok, fail and unknown per second");
        assertTrue(html.contains("crash-primary: kill -9 node 1 (5.0 s to the end)"), "a fault's tooltip");
    }

    @Test
    void availabilityIsCountedPerKindOfFaultByWhenOperationsWereInvoked() {
        String html = rendered();
        // Clients' time: 0.1 s (first invocation) to 8.5 s (last completion); pause 1 to 3 s, the crash from 5 s.
        assertEquals("5 3 60.0% 8.4 0.4", row(html, "whole run"));
        assertEquals("2 2 100.0% 2.9 0.7", row(html, "no fault"));
        assertEquals("2 1 50.0% 2.0 0.5", row(html, "pause"));
        assertEquals("1 0 0.0% 3.5 0.0", row(html, "crash-primary"));
    }

    /**
     * A cas refused before it was ordered is left out of the history, but it is a failure to its client, so the
     * plots count it; the harness's final reads, after the clients stopped, are not the run's.
     */
    @Test
    void refusedAttemptsCountAsFailuresAndNothingAfterTheClientsStopped() {
        long[] now = {0};
        HistoryRecorder history = new HistoryRecorder(() -> now[0]);
        now[0] = 1000 * MS;
        history.record(Event.invoke("1", OpKind.CAS, "k", new CasArgument("a", "b")));
        now[0] = 1200 * MS;
        history.withdraw("1");
        now[0] = 2000 * MS;
        history.record(Event.invoke("1", OpKind.PUT, "k", "v"));
        now[0] = 2100 * MS;
        history.record(Event.completion("1", EventType.OK, OpKind.PUT, "k", "v"));
        now[0] = 12_000 * MS;
        history.record(Event.invoke("0", OpKind.GET, "k", null));
        history.record(Event.completion("0", EventType.OK, OpKind.GET, "k", "v"));
        List<RunPlots.Op> ops = RunPlots.ops(history, 10_000 * MS);
        assertEquals(List.of(new RunPlots.Op(1000 * MS, 1200 * MS, OpKind.CAS, EventType.FAIL),
                new RunPlots.Op(2000 * MS, 2100 * MS, OpKind.PUT, EventType.OK)), ops);
    }

    private static String row(String html, String name) {
        Matcher m = Pattern.compile("<tr><td>" + Pattern.quote(name) + "</td><td>(\\d+)</td><td>(\\d+)</td>"
                + "<td>([^<]+)</td><td>([^<]+)</td><td>([^<]+)</td></tr>").matcher(html);
        assertTrue(m.find(), "no availability row for " + name);
        return m.group(1) + " " + m.group(2) + " " + m.group(3) + " " + m.group(4) + " " + m.group(5);
    }
}
