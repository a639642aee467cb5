package kvstore.jepsen;

import kvstore.checker.search.Verdict;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Short Jepsen-style runs against real node processes (node.jar, packaged earlier in the same build): with kill -9
 * of the primary and a partition of the primary, the history must be linearizable with nothing acknowledged
 * lost, with the harness's operator or with the failover controller in charge (over TLS); with one of the simulator's planted
 * bugs in the nodes, the same run must fail.
 */
@Tag("processes") // real node processes: the integration-test phase (pom.xml)
class JepsenRunTest {

    private static RunSettings settings(String name, String bug) {
        return settings(name, bug, false);
    }

    private static RunSettings settings(String name, String bug, boolean controller) {
        return settings(name, bug, controller, Duration.ofSeconds(16),
                List.of(Nemesis.Kind.PARTITION_PRIMARY, Nemesis.Kind.CRASH_PRIMARY));
    }

    private static RunSettings settings(String name, String bug, boolean controller, Duration time,
                                        List<Nemesis.Kind> nemeses) {
        return settings(name, bug, controller, time, nemeses, false, false, RunSettings.ClientBinding.NODE);
    }

    private static RunSettings settings(String name, String bug, boolean controller, Duration time,
                                        List<Nemesis.Kind> nemeses, boolean dataDirs, boolean tls,
                                        RunSettings.ClientBinding clients) {
        String jar = System.getProperty("kvstore.node.jar", "../node/target/node.jar");
        Path nodeJar = Path.of(jar);
        assertTrue(Files.isRegularFile(nodeJar), "no " + nodeJar.toAbsolutePath() + ": run the whole build "
                + "(./kv test), which packages the node before these tests");
        // The partition first: it is quick, and it is what exposes a primary that serves reads on its own. The kill
        // takes longer (the restarted JVM must come up), so the run is long enough for both even on a slow machine.
        return new RunSettings(3, time, 4, 4, nemeses, Duration.ofMillis(1000),
                Duration.ofMillis(2500), 7, Path.of("target", "jepsen-test", name), nodeJar, bug,
                controller, dataDirs, tls, clients);
    }

    @Test
    void aShortRunWithKillAndPartitionIsLinearizableAndLosesNothing() throws Exception {
        JepsenRun.Outcome outcome = new JepsenRun(settings("correct", null)).run();
        assertTrue(outcome.passed(), outcome.summary());
        assertEquals(Verdict.LINEARIZABLE, outcome.verdict(), outcome.summary());
        assertTrue(outcome.okWrites() > 100 && outcome.okReads() > 100, "too little traffic to mean anything:\n"
                + outcome.summary());
        assertTrue(outcome.summary().contains("kill -9 node"), outcome.summary());
        assertTrue(outcome.summary().contains("partition node"), outcome.summary());
        assertTrue(outcome.summary().contains("restarted, empty"), outcome.summary());
        String html = Files.readString(outcome.report().resolve("report.html"));
        assertTrue(html.contains("<svg") && html.contains("class=\"fault\"") && html.contains("class=\"view\"")
                && html.contains("class=\"op "), "the report plots operations, faults and view changes");
        for (String file : new String[]{"history.jsonl", "report.html", "summary.txt", "logs/node-1.log"}) {
            assertTrue(Files.size(outcome.report().resolve(file)) > 0, file + " written");
        }
        assertEquals(0, ProcessHandle.current().descendants().filter(ProcessHandle::isAlive).count(),
                "every node process is stopped when the run ends");
    }

    @Test
    void theSameRunFailsWhenTheNodesServeReadsLocally() throws Exception {
        // The partition alone exposes it: a shorter run, without the kill.
        JepsenRun.Outcome outcome = new JepsenRun(settings("planted-local-reads", "LOCAL_READS", false,
                Duration.ofSeconds(7), List.of(Nemesis.Kind.PARTITION_PRIMARY))).run();
        assertTrue(outcome.summary().contains("partition node"), outcome.summary());
        assertFalse(outcome.passed(), "the planted bug went unnoticed:\n" + outcome.summary());
        assertEquals(Verdict.NOT_LINEARIZABLE, outcome.verdict(), outcome.summary());
        String html = Files.readString(outcome.report().resolve("report.html"));
        int plots = html.indexOf("class=\"plots\"");
        int violation = html.indexOf(": not linearizable</h3>");
        assertTrue(plots >= 0 && violation > plots && html.contains("class=\"fault\""),
                "a failing run's page has the plots, with the fault, above the checker's timeline of the violation");
    }

    /**
     * With the controller in charge, every connection over TLS (a throw-away authority made for the run), and the
     * clients as an application's: the client library, following the primary and retrying.
     */
    @Test
    void theFailoverControllerAloneHealsTheSameFaultsOverTlsForTheClientLibrary() throws Exception {
        JepsenRun.Outcome outcome = new JepsenRun(settings("controller-tls", null, true, Duration.ofSeconds(16),
                List.of(Nemesis.Kind.PARTITION_PRIMARY, Nemesis.Kind.CRASH_PRIMARY), false, true,
                RunSettings.ClientBinding.LIBRARY)).run();
        assertTrue(outcome.passed(), outcome.summary());
        assertTrue(outcome.summary().contains("failover by the controller, over TLS, clients through the client "
                + "library"), outcome.summary());
        assertTrue(outcome.okWrites() > 100, "the library kept writing:\n" + outcome.summary());
        assertTrue(Files.readString(outcome.report().resolve("logs").resolve("node-1.log"))
                .contains("listening on https://"), "node 1 served over TLS");
        assertTrue(outcome.summary().contains("controller: view 3 decided"), "the controller changed views:\n"
                + outcome.summary());
        assertTrue(outcome.summary().matches("(?s).*controller: view \\d+ established, \\d+ ms after its round "
                + "began.*"), "and says how long each took:\n" + outcome.summary());
        assertEquals(1, outcome.failoverMillis().size(), "one kill of the primary, followed by a write:\n"
                + outcome.summary());
        assertEquals(0, ProcessHandle.current().descendants().filter(ProcessHandle::isAlive).count(),
                "every node process is stopped when the run ends");
    }

    /**
     * Every node killed with SIGKILL in the same instant, then all restarted with their data directories, twice:
     * the controller brings the cluster back by itself, and every acknowledged write is there (the final reads
     * and the checker see them).
     */
    @Test
    void everyNodeKilledAtOnceComesBackWithEveryAcknowledgedWrite() throws Exception {
        JepsenRun.Outcome outcome = new JepsenRun(settings("crash-all", null, true, Duration.ofSeconds(16),
                List.of(Nemesis.Kind.CRASH_ALL), true, false, RunSettings.ClientBinding.NODE)).run();
        assertTrue(outcome.passed(), outcome.summary());
        assertTrue(outcome.summary().contains("every node restarted with its data directory"), outcome.summary());
        assertTrue(outcome.okWrites() > 20, "writes before, between and after the crashes:\n" + outcome.summary());
        assertTrue(Files.isDirectory(outcome.report().resolve("data").resolve("node-1")), "the data directories");
    }
}
