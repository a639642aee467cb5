package kvstore.checker.history;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.StringReader;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HistoryReaderTest {

    private static History read(String text) throws Exception {
        return HistoryReader.read(new StringReader(text));
    }

    @Test
    void readsJsonLinesAndPairsOperations() throws Exception {
        History h = read("""
                {"process": 3, "type": "invoke", "f": "put", "key": "x", "value": "4", "time": 100}
                {"process": 1, "type": "invoke", "f": "cas", "key": "x", "value": [null, "5"]}
                {"process": 3, "type": "ok", "f": "put", "key": "x", "value": "4", "time": 250}

                {"process": 1, "type": "fail", "f": "cas", "key": "x", "value": [null, "5"]}
                {"process": 2, "type": "invoke", "f": "get", "key": "x", "value": null, "index": 7}
                {"process": 2, "type": "ok", "f": "get", "key": "x", "value": "4"}
                """);
        assertEquals(6, h.eventCount());
        assertEquals(3, h.operations().size());
        Operation put = h.operations().get(0);
        assertEquals(OpKind.PUT, put.kind());
        assertEquals("4", put.value());
        assertEquals(0, put.call());
        assertEquals(2, put.ret());
        assertEquals(1, put.callLine());
        assertEquals(3, put.retLine());
        assertEquals(100, put.callTime());
        assertEquals(250, put.retTime());
        Operation cas = h.operations().get(1);
        assertNull(cas.expected());
        assertEquals("5", cas.value());
        assertEquals(Outcome.FAIL, cas.outcome());
        assertEquals(5, cas.retLine(), "blank lines still count as lines");
        Operation get = h.operations().get(2);
        assertEquals("4", get.value());
    }

    @Test
    void readsJepsenEdnIncludingRegisterNamesNumbersAndNemesis() throws Exception {
        History h = read("""
                {:process 0, :type :invoke, :f :write, :value 3, :time 12}
                {:process :nemesis, :type :info, :f :start, :value "partition"}
                {:process 0, :type :ok, :f :write, :value 3}
                {:process 1, :type :invoke, :f :cas, :value [3 4]}
                {:process 1, :type :info, :f :cas, :value :timed-out}
                {:process 2, :type :invoke, :f :read, :value nil}
                {:process 2, :type :ok, :f :read, :value "a \\"quoted\\" string"}
                """);
        assertEquals(3, h.operations().size());
        assertEquals(OpKind.PUT, h.operations().get(0).kind());
        assertEquals("3", h.operations().get(0).value());
        assertNull(h.operations().get(0).key(), "a single register has no key");
        assertEquals("3", h.operations().get(1).expected());
        assertEquals(Outcome.INFO, h.operations().get(1).outcome());
        assertTrue(h.operations().get(1).isOpenEnded());
        assertEquals("a \"quoted\" string", h.operations().get(2).value());
        assertEquals(1, h.annotations().size());
        assertEquals(1, h.annotations().get(0).position(), "the nemesis event sits after the first event");
        assertTrue(h.annotations().get(0).text().contains("start"));
    }

    @Test
    void readsWholeFileEdnAsJepsenWritesIt() throws Exception {
        History h = read("""
                ; a Jepsen history, wrapped in a vector, maps over several lines, any key order
                [{:index 0, :time 1200, :type :invoke, :process 0, :f :write, :value 3}
                 {:process :nemesis, :type :info, :f :start,
                  :value {"n1" #{"n2" "n3"}}}
                 #jepsen.history.Op{:index 1, :time 1300, :type :ok,
                                    :process 0, :f :write, :value 3}
                 #_ {:process 9, :type :invoke, :f :write, :value 99}
                 {:process 1 :type :invoke :f :read :value 3} ; a read invocation may carry a value
                 {:process 1, :type :ok, :f :read, :value 3, :error nil}
                 {:process 2, :type :invoke, :f :cas, :value [3 4]}
                 {:process 2, :type :fail, :f :cas, :value [3 4], :error :not-sent}]
                """);
        assertEquals(2, h.operations().size(), "the failed cas is left out: in Jepsen it tells nothing");
        assertEquals(1, h.failedLeftOut());
        assertEquals(Semantics.JEPSEN, h.semantics());
        assertEquals("3", h.operations().get(1).value());
        assertEquals(8, h.operations().get(1).callLine(), "the line an op map starts on");
        assertEquals(1, h.annotations().size(), "the nemesis op over two lines");
        assertEquals(0, h.operations().get(0).id());
        assertEquals(1, h.operations().get(1).id());
    }

    @Test
    void readsWhatJepsenPutsInValuesAndErrors() throws Exception {
        History h = read("""
                [{:process :nemesis, :type :info, :f :measure, :value {:loss ##NaN, :max ##Inf, :ratio 1/3}}
                 {:process 0, :type :invoke, :f :write, :key :k, :value 123456789012345678901234567890N}
                 {:process 0, :type :ok, :f :write, :key :k, :value 123456789012345678901234567890N
                  :error {:pattern #"time.*out", :fn #'jepsen.client/invoke!} #_ :dropped}
                 {:process 1, :type :invoke, :f :read, :key :k, :value nil} #_{:process 9}]
                {:process 1, :type :ok, :f :read, :key :k, :value 123456789012345678901234567890}
                """);
        assertEquals(2, h.operations().size());
        assertEquals("k", h.operations().get(0).key(), "a keyword key is its name");
        assertEquals("123456789012345678901234567890", h.operations().get(0).value(), "beyond 64 bits: as written");
        assertEquals("123456789012345678901234567890", h.operations().get(1).value());
    }

    @Test
    void aJsonArrayOfObjectsIsReadAsJsonLines() throws Exception {
        History h = read("""
                [{"process": 1, "type": "invoke", "f": "put", "key": "x", "value": "1"},
                 {"process": 1, "type": "ok", "f": "put", "key": "x", "value": "1"}]
                """);
        assertEquals(1, h.operations().size());
        assertEquals(Semantics.KVSTORE, h.semantics());
    }

    @Test
    void listsAndOneMapPerLineAreEdnToo() throws Exception {
        History list = read("""
                ({:process 0, :type :invoke, :f :write, :value 1}
                 {:process 0, :type :ok, :f :write, :value 1})
                """);
        assertEquals(1, list.operations().size());
        History kvstoreMeaning = HistoryReader.read(new java.io.StringReader("""
                {:process 2, :type :invoke, :f :cas, :value [3 4]}
                {:process 2, :type :fail, :f :cas, :value [3 4]}
                """), Semantics.KVSTORE);
        assertEquals(Outcome.FAIL, kvstoreMeaning.operations().get(0).outcome(), "chosen meaning: kept");
    }

    @Test
    void jsonLinesReadWithJepsensMeaningDropFailedOperations() throws Exception {
        History h = HistoryReader.read(new java.io.StringReader("""
                {"process": 1, "type": "invoke", "f": "cas", "key": "x", "value": ["1", "2"]}
                {"process": 1, "type": "fail", "f": "cas", "key": "x", "value": ["1", "2"]}
                {"process": 1, "type": "invoke", "f": "get", "key": "x", "value": null}
                {"process": 1, "type": "ok", "f": "get", "key": "x", "value": null}
                """), Semantics.JEPSEN);
        assertEquals(1, h.operations().size());
        assertEquals(OpKind.GET, h.operations().get(0).kind());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            unclosed vector | [{:process 0, :type :invoke, :f :write, :value 1} | 1 | ends before the ']'
            scalar in vector | [{:process 0, :type :invoke, :f :write, :value 1} 7] | 1 | must be an EDN map
            stray closer | {:process 0, :type :invoke, :f :write, :value 1}} | 1 | unexpected '}'
            lone hash | {:process 0, :type :invoke, :f :write, :value # } | 1 | a '#' with nothing after it
            """)
    void rejectsBrokenEdnWithALine(String name, String text, int lineNumber, String problem) {
        HistoryFormatException e = assertThrows(HistoryFormatException.class, () -> read(text + "\n"));
        assertEquals(lineNumber, e.line(), name);
        assertTrue(e.getMessage().contains(problem), name + ": " + e.getMessage());
    }

    @Test
    void operationsLeftOpenAreUnknown() throws Exception {
        History h = read("""
                {"process": 1, "type": "invoke", "f": "put", "key": "x", "value": "1"}
                """);
        assertEquals(Outcome.INFO, h.operations().get(0).outcome());
        assertTrue(h.operations().get(0).isOpenEnded());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            not JSON | {"process": 1, "type": "invoke", | 1 | not valid JSON
            not an object | [1, 2] | 1 | each operation must be an EDN map
            completion without invoke | {"process": 1, "type": "ok", "f": "get", "key": "x", "value": null} | 1 | process 1 completes (ok) a get it never invoked
            unknown f | {"process": 1, "type": "invoke", "f": "incr", "key": "x", "value": null} | 1 | unknown f "incr"
            unknown type | {"process": 1, "type": "done", "f": "get", "key": "x", "value": null} | 1 | "type" must be invoke, ok, fail or info
            missing process | {"type": "invoke", "f": "get", "key": "x", "value": null} | 1 | missing field "process"
            missing f | {"process": 1, "type": "invoke", "key": "x", "value": null} | 1 | missing field "f"
            put without a string | {"process": 1, "type": "invoke", "f": "put", "key": "x", "value": null} | 1 | the value of a put invoke must be a string, not null
            put of an object | {"process": 1, "type": "invoke", "f": "put", "key": "x", "value": {"a": 1}} | 1 | the value of a put invoke must be a string or null
            get with a value | {"process": 1, "type": "invoke", "f": "get", "key": "x", "value": "1"} | 1 | the value of a get invoke must be null
            cas with one value | {"process": 1, "type": "invoke", "f": "cas", "key": "x", "value": ["1"]} | 1 | the value of a cas invoke must be [expected, new]
            cas to null | {"process": 1, "type": "invoke", "f": "cas", "key": "x", "value": ["1", null]} | 1 | the new value of a cas must be a string, not null
            key not a string | {"process": 1, "type": "invoke", "f": "get", "key": [1], "value": null} | 1 | "key" must be a string
            bad EDN | {:process 1, :type :invoke, :f :get, :value "open | 1 | a string is not closed
            scalar line | 7 | 1 | each line must be a JSON object, found VALUE_NUMBER_INT
            """)
    void rejectsBadLinesNamingLineAndProblem(String name, String line, int lineNumber, String problem) {
        HistoryFormatException e = assertThrows(HistoryFormatException.class, () -> read(line + "\n"));
        assertEquals(lineNumber, e.line(), name);
        assertTrue(e.getMessage().contains(problem), name + ": " + e.getMessage());
    }

    @Test
    void rejectsTwoOpenOperationsOnOneProcess() {
        HistoryFormatException e = assertThrows(HistoryFormatException.class, () -> read("""
                {"process": 1, "type": "invoke", "f": "put", "key": "x", "value": "1"}
                {"process": 1, "type": "invoke", "f": "get", "key": "x", "value": null}
                """));
        assertEquals(2, e.line());
        assertTrue(e.getMessage().contains("process 1 invokes a get while its put (line 1) is still open"),
                e.getMessage());
    }

    @Test
    void rejectsACompletionOfAnotherOperationOrKey() {
        HistoryFormatException wrongF = assertThrows(HistoryFormatException.class, () -> read("""
                {"process": 1, "type": "invoke", "f": "put", "key": "x", "value": "1"}
                {"process": 1, "type": "ok", "f": "get", "key": "x", "value": "1"}
                """));
        assertTrue(wrongF.getMessage().contains("line 2: process 1 completes a get but its open operation (line 1) is a put"),
                wrongF.getMessage());
        HistoryFormatException wrongKey = assertThrows(HistoryFormatException.class, () -> read("""
                {"process": 1, "type": "invoke", "f": "put", "key": "x", "value": "1"}
                {"process": 1, "type": "ok", "f": "put", "key": "y", "value": "1"}
                """));
        assertTrue(wrongKey.getMessage().contains("completes key \"y\" but invoked key \"x\""), wrongKey.getMessage());
    }

    @Test
    void writerOutputReadsBackTheSame() throws Exception {
        var events = java.util.List.of(
                Event.invoke("1", OpKind.CAS, "k \"q\"", new CasArgument(null, "v\n2")).at(5),
                Event.completion("1", EventType.OK, OpKind.CAS, "k \"q\"", null).at(9),
                Event.invoke("nemesis-free", OpKind.GET, "k", null),
                Event.completion("nemesis-free", EventType.OK, OpKind.GET, "k", ""));
        java.io.StringWriter out = new java.io.StringWriter();
        try (HistoryWriter w = new HistoryWriter(out)) {
            for (Event e : events) {
                w.write(e);
            }
        }
        History h = read(out.toString());
        assertEquals(2, h.operations().size());
        assertEquals("k \"q\"", h.operations().get(0).key());
        assertEquals("v\n2", h.operations().get(0).value());
        assertEquals(5, h.operations().get(0).callTime());
        assertEquals("", h.operations().get(1).value());
        assertEquals("nemesis-free", h.operations().get(1).process());
    }

    @Test
    void processNamesSurviveTheWriterEvenWhenTheyLookLikeNumbers() throws Exception {
        java.io.StringWriter out = new java.io.StringWriter();
        try (HistoryWriter w = new HistoryWriter(out)) {
            for (String process : new String[]{"007", "0", "42"}) {
                w.write(Event.invoke(process, OpKind.GET, "k", null));
                w.write(Event.completion(process, EventType.OK, OpKind.GET, "k", null));
            }
        }
        History h = read(out.toString());
        assertEquals(java.util.List.of("007", "0", "42"), h.operations().stream().map(o -> o.process()).toList());
    }

    @Test
    void deeplyNestedEdnIsAnErrorNotACrash() {
        String line = "{:process 1, :type :invoke, :f :get, :value " + "[".repeat(10_000) + "}";
        HistoryFormatException e = assertThrows(HistoryFormatException.class, () -> read(line + "\n"));
        assertTrue(e.getMessage().contains("nested more than"), e.getMessage());
    }

    @Test
    void aCasThatNeverLeftItsClientIsWithdrawnNotRecordedAsFailed() throws Exception {
        HistoryBuilder b = new HistoryBuilder(Semantics.KVSTORE);
        b.add(Event.invoke("1", OpKind.PUT, "x", "1"));
        b.add(Event.completion("1", EventType.OK, OpKind.PUT, "x", "1"));
        b.add(Event.invoke("2", OpKind.CAS, "x", new CasArgument("1", "2")));
        b.withdraw("2");
        b.add(Event.invoke("2", OpKind.GET, "x", null));
        b.add(Event.completion("2", EventType.OK, OpKind.GET, "x", "1"));
        History h = b.build();
        assertEquals(2, h.operations().size(), "the withdrawn cas is not an operation: "
                + "recorded as failed it would claim x did not hold 1");
        assertEquals(1, h.failedLeftOut());
        assertEquals(OpKind.GET, h.operations().get(1).kind(), "and its process may invoke again");
    }
}
