package kvstore.checker.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CheckerMainTest {
    @TempDir
    Path dir;

    private record Run(int status, String out, String err) {
    }

    private Run run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = CheckerMain.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private Path file(String name, String content) throws Exception {
        Path p = dir.resolve(name);
        Files.writeString(p, content);
        return p;
    }

    private static final String GOOD = """
            {"process": 1, "type": "invoke", "f": "put", "key": "x", "value": "1"}
            {"process": 1, "type": "ok", "f": "put", "key": "x", "value": "1"}
            {"process": 2, "type": "invoke", "f": "get", "key": "x", "value": null}
            {"process": 2, "type": "ok", "f": "get", "key": "x", "value": "1"}
            """;

    private static final String STALE = """
            {"process": 1, "type": "invoke", "f": "put", "key": "x", "value": "1"}
            {"process": 1, "type": "ok", "f": "put", "key": "x", "value": "1"}
            {"process": 2, "type": "invoke", "f": "put", "key": "x", "value": "2"}
            {"process": 2, "type": "ok", "f": "put", "key": "x", "value": "2"}
            {"process": 3, "type": "invoke", "f": "get", "key": "x", "value": null}
            {"process": 3, "type": "ok", "f": "get", "key": "x", "value": "1"}
            """;

    @Test
    void manyFilesCheckedAtOnceArePrintedInOrderEachVerdictBeforeItsExplanation() throws Exception {
        List<String> args = new java.util.ArrayList<>(List.of("check", "--threads", "2"));
        for (int i = 0; i < 12; i++) {
            args.add(file("h" + i + ".jsonl", i % 3 == 0 ? STALE : i % 5 == 4 ? "{\"process\": 1}\n" : GOOD)
                    .toString());
        }
        Run r = run(args.toArray(new String[0]));
        assertEquals(3, r.status(), "invalid input outranks a violation");
        List<String> verdicts = r.out().lines().filter(l -> l.startsWith(dir.toString())).toList();
        assertEquals(12, verdicts.size(), r.out());
        for (int i = 0; i < 12; i++) {
            String expected = i % 3 == 0 ? "NOT_LINEARIZABLE" : i % 5 == 4 ? "INVALID" : "LINEARIZABLE";
            assertTrue(verdicts.get(i).startsWith(dir.resolve("h" + i + ".jsonl") + ": " + expected), verdicts.get(i));
        }
        List<String> lines = r.out().lines().toList();
        int bad = lines.indexOf(verdicts.get(3).substring(0, verdicts.get(3).length()));
        assertTrue(lines.get(bad + 1).startsWith("  key \"x\""), "its explanation follows its verdict: " + r.out());
    }

    @Test
    void aHistoryLargerThanTheHeapIsUnknownNeverACrash() throws Exception {
        Path big = dir.resolve("big.jsonl");
        try (var w = new kvstore.checker.history.HistoryWriter(Files.newBufferedWriter(big))) {
            for (var e : kvstore.checker.generate.HistoryGenerator.generate(
                    kvstore.checker.generate.WorkloadShape.of(300_000, 8, 100), 1)) {
                w.write(e);
            }
        }
        Path good = file("good.jsonl", GOOD);
        String java = ProcessHandle.current().info().command().orElse("java");
        Process p = new ProcessBuilder(java, "-Xmx24m", "-cp", System.getProperty("java.class.path"),
                CheckerMain.class.getName(), "check", big.toString(), good.toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(CheckerMain.UNKNOWN, p.waitFor(), out);
        assertTrue(out.contains(big + ": UNKNOWN (out of memory"), out);
        assertTrue(out.contains(good + ": LINEARIZABLE"), "the next file is still checked: " + out);
    }

    /** A cas that failed although the key held what it expected: Jepsen's clients may report one never sent. */
    private static final String FAILED_CAS_EDN = """
            {:process 0, :type :invoke, :f :write, :value 1}
            {:process 0, :type :ok, :f :write, :value 1}
            {:process 1, :type :invoke, :f :cas, :value [1 2]}
            {:process 1, :type :fail, :f :cas, :value [1 2]}
            {:process 2, :type :invoke, :f :read, :value nil}
            {:process 2, :type :ok, :f :read, :value 1}
            """;

    @Test
    void failedOperationsMeanWhatTheFormatsClientsMeanAndAFlagChooses() throws Exception {
        Path edn = file("failed-cas.edn", FAILED_CAS_EDN);
        Path json = file("failed-cas.jsonl", """
                {"process": 0, "type": "invoke", "f": "put", "key": "x", "value": "1"}
                {"process": 0, "type": "ok", "f": "put", "key": "x", "value": "1"}
                {"process": 1, "type": "invoke", "f": "cas", "key": "x", "value": ["1", "2"]}
                {"process": 1, "type": "fail", "f": "cas", "key": "x", "value": ["1", "2"]}
                {"process": 2, "type": "invoke", "f": "get", "key": "x", "value": null}
                {"process": 2, "type": "ok", "f": "get", "key": "x", "value": "1"}
                """);
        assertEquals(0, run("check", edn.toString()).status(), "EDN: Jepsen's meaning, the failure tells nothing");
        assertEquals(1, run("check", "--semantics", "kvstore", edn.toString()).status());
        assertEquals(1, run("check", json.toString()).status(), "JSON Lines: our store's 412 means it differed");
        assertEquals(0, run("check", "--semantics", "jepsen", json.toString()).status());
        Run bad = run("check", "--semantics", "knossos", json.toString());
        assertEquals(3, bad.status());
        assertTrue(bad.err().contains("--semantics takes jepsen or kvstore"), bad.err());
    }

    @Test
    void linearizableHistoryExitsZeroWithOneLine() throws Exception {
        Path good = file("good.jsonl", GOOD);
        Run r = run("check", good.toString());
        assertEquals(0, r.status());
        assertTrue(r.out().startsWith(good + ": LINEARIZABLE (2 ops, 1 key"), r.out());
        assertEquals(1, r.out().lines().count());
    }

    @Test
    void staleReadExitsOneAndExplainsItInWords() throws Exception {
        Path bad = file("bad.jsonl", STALE);
        Run r = run("check", bad.toString());
        assertEquals(1, r.status());
        assertTrue(r.out().contains(bad + ": NOT_LINEARIZABLE"), r.out());
        assertTrue(r.out().contains("From t1 to t4 the key held \"1\" without interruption: process 1 wrote \"1\""
                + " at [t0, t1] completed at t1 and process 3 read \"1\" at [t4, t5] began at t4"), r.out());
        assertTrue(r.out().contains("process 2 wrote \"2\" at [t2, t3] took effect inside that stretch"), r.out());
    }

    @Test
    void severalFilesGiveOneVerdictEachAndTheWorstStatus() throws Exception {
        Path good = file("good.jsonl", GOOD);
        Path bad = file("bad.jsonl", STALE);
        Run r = run("check", good.toString(), bad.toString());
        assertEquals(1, r.status());
        assertTrue(r.out().contains(good + ": LINEARIZABLE"));
        assertTrue(r.out().contains(bad + ": NOT_LINEARIZABLE"));
        Path broken = file("broken.jsonl", "{\"process\": 1}\n");
        assertEquals(3, run("check", good.toString(), bad.toString(), broken.toString()).status(),
                "invalid input outranks a violation");
    }

    @Test
    void htmlReportIsWrittenAndSelfContained() throws Exception {
        Path bad = file("bad.jsonl", STALE);
        Path html = dir.resolve("out/report.html");
        Run r = run("check", bad.toString(), "--html", html.toString());
        assertEquals(1, r.status());
        String page = Files.readString(html);
        assertTrue(page.contains("class=\"op read core culprit\""), "the stale read is drawn as the culprit");
        assertTrue(page.contains("process 3 read &quot;1&quot; at [t4, t5]"), "hover text names the operation");
        assertTrue(page.contains("These 3 operations cannot be linearized together"));
        assertFalse(page.contains("src=\"http"), "nothing is loaded from the network");
        assertFalse(page.contains("<script src"), "no external scripts");
    }

    @Test
    void budgetRunningOutIsUnknownNotAPass() throws Exception {
        // Sixty overlapping writes, each read back by its writer, make the search long. With values that repeat
        // nothing else can decide it: a tiny budget must stop it with UNKNOWN (exit 2), never claim a verdict it
        // did not reach.
        Path hard = file("hard.jsonl", overlappingWritesReadBack(60, 30));
        Run r = run("check", hard.toString(), "--timeout", "0.2");
        assertEquals(2, r.status(), r.out());
        assertTrue(r.out().contains("UNKNOWN"), r.out());
        assertTrue(r.out().contains("time budget exhausted"), r.out());
    }

    @Test
    void distinctValuesDecideWhatTheSearchCannot() throws Exception {
        // The same shape with distinct values: for puts and gets of distinct values the reads-from reasoning is
        // exact, so when the search runs out of time the history is still decided.
        Path hard = file("hard.jsonl", overlappingWritesReadBack(60, 60));
        Run r = run("check", hard.toString(), "--timeout", "0.2");
        assertEquals(0, r.status(), r.out());
    }

    private static String overlappingWritesReadBack(int processes, int values) {
        StringBuilder h = new StringBuilder();
        for (int p = 0; p < processes; p++) {
            h.append("{\"process\": ").append(p).append(", \"type\": \"invoke\", \"f\": \"put\", \"key\": \"x\", \"value\": \"")
                    .append(p % values).append("\"}\n");
        }
        for (int p = 0; p < processes; p++) {
            h.append("{\"process\": ").append(p).append(", \"type\": \"ok\", \"f\": \"put\", \"key\": \"x\"}\n");
            h.append("{\"process\": ").append(p).append(", \"type\": \"invoke\", \"f\": \"get\", \"key\": \"x\", \"value\": null}\n");
        }
        for (int p = 0; p < processes; p++) {
            h.append("{\"process\": ").append(p).append(", \"type\": \"ok\", \"f\": \"get\", \"key\": \"x\", \"value\": \"")
                    .append(p % values).append("\"}\n");
        }
        return h.toString();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            no arguments            | check                        | no history given
            unknown option          | check x.jsonl --frobnicate   | unknown option --frobnicate
            timeout without value   | check x.jsonl --timeout      | --timeout needs a value
            timeout not a number    | check x.jsonl --timeout soon | --timeout takes a positive number of seconds, not 'soon'
            negative timeout        | check x.jsonl --timeout -1   | --timeout takes a positive number of seconds, not '-1'
            bad threads             | check x.jsonl --threads 0    | --threads takes a positive whole number, not '0'
            unknown command         | verify x.jsonl               | unknown command 'verify'
            """)
    void badUsageExitsThreeWithTheProblem(String name, String args, String message) {
        Run r = run(args.trim().split("\\s+"));
        assertEquals(3, r.status(), name);
        assertTrue(r.err().contains(message), name + ": " + r.err());
        assertTrue(r.err().contains("usage: check HISTORY..."), name);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            bad JSON        | {"process": 1, "type": | INVALID line 1: not valid JSON
            orphan complete | {"process": 1, "type": "ok", "f": "put", "key": "x", "value": "1"} | INVALID line 1: process 1 completes (ok) a put it never invoked
            unknown f       | {"process": 1, "type": "invoke", "f": "inc", "key": "x", "value": null} | INVALID line 1: unknown f "inc"
            value shape     | {"process": 1, "type": "invoke", "f": "cas", "key": "x", "value": "1"} | INVALID line 1: the value of a cas invoke must be [expected, new]
            """)
    void invalidHistoryExitsThreeNamingTheLine(String name, String content, String message) throws Exception {
        Path f = file("h.jsonl", content + "\n");
        Run r = run("check", f.toString());
        assertEquals(3, r.status(), name);
        assertTrue(r.out().contains(f + ": " + message), name + ": " + r.out());
    }

    @Test
    void missingFileIsInvalidInput() {
        Run r = run("check", dir.resolve("nope.jsonl").toString());
        assertEquals(3, r.status());
        assertTrue(r.out().contains("INVALID no such file"), r.out());
    }
}
