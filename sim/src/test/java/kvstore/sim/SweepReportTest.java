package kvstore.sim;

import kvstore.sim.nemesis.Fault;
import kvstore.sim.nemesis.FaultSchedule;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The sweep's page: each run is counted in each distribution it belongs to. */
class SweepReportTest {
    private static int count(String html, String fragment) {
        return html.split(Pattern.quote(fragment), -1).length - 1;
    }

    @Test
    void eachCrashIsTimedAndEachRunIsCounted() {
        SweepReport report = new SweepReport();
        SimConfig config = SimConfig.defaults().withOperations(400);
        for (long seed = 1; seed <= 3; seed++) {
            FaultSchedule schedule = new FaultSchedule(0, 0, 300, 100,
                    List.of(new Fault.CrashPrimary(200_000, 900_000)));
            SeededRun run = SeededRun.of(config, seed, schedule);
            assertFalse(run.failed(), run::describe);
            report.add(run);
        }
        String summary = report.summary();
        assertTrue(summary.contains("from a crash (one node, the primary, or all) to the next write invoked and "
                + "acknowledged (virtual ms, 3)"), summary);
        assertTrue(summary.contains("serving every key again after the faults (virtual ms, 3)"), summary);
        String html = report.html("./kv sim-sweep --seeds 3");
        assertEquals(3, count(html, "<svg"), "availability, recovery, failover");
        assertEquals(20 + 14 + 14, count(html, "<rect class=\"bar\""), "a bar per bin");
        int failovers = 0;
        var m = Pattern.compile("<title>[^<]*: (\\d+) crashes</title>").matcher(html);
        while (m.find()) {
            failovers += Integer.parseInt(m.group(1));
        }
        assertEquals(3, failovers, "one time per crash");
    }
}
