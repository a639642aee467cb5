package kvstore.checker.bench;

import kvstore.checker.history.History;
import kvstore.checker.history.HistoryReader;
import kvstore.checker.history.Semantics;
import kvstore.checker.model.RegisterModel;
import kvstore.checker.search.CheckOptions;
import kvstore.checker.search.CheckResult;
import kvstore.checker.search.LinearizabilityChecker;
import kvstore.checker.search.Verdict;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Porcupine's 108 public test histories: every verdict equals the one Porcupine's own tests expect. */
class PorcupineCorpusTest {
    private static final Path TEST_DATA = Path.of("src/test/resources/porcupine");

    @TempDir
    Path converted;

    @Test
    void everyVerdictEqualsPorcupines() throws Exception {
        List<PorcupineCorpus.Entry> entries = PorcupineCorpus.convert(TEST_DATA, converted);
        assertEquals(108, entries.size());
        RegisterModel model = new RegisterModel(true); // the key-value logs read a missing key as ""
        List<String> differing = new ArrayList<>();
        for (PorcupineCorpus.Entry e : entries) {
            History history = HistoryReader.read(e.file());
            CheckResult result = LinearizabilityChecker.check(history, model,
                    CheckOptions.defaults().withAllKeys(false));
            Verdict expected = e.linearizable() ? Verdict.LINEARIZABLE : Verdict.NOT_LINEARIZABLE;
            if (result.verdict() != expected) {
                differing.add(e.file().getFileName() + ": " + result.verdict() + ", Porcupine: " + expected);
            }
            if (result.verdict() == Verdict.NOT_LINEARIZABLE) {
                assertTrue(result.violations().getFirst().explanation() != null, e.file() + " is explained");
            }
        }
        assertEquals(List.of(), differing);
    }

    @Test
    void etcdLogsBecomeJepsenHistories() throws Exception {
        PorcupineCorpus.Entry first = PorcupineCorpus.convert(TEST_DATA, converted).getFirst();
        History h = HistoryReader.read(first.file());
        assertEquals(Semantics.JEPSEN, h.semantics(), "EDN: Jepsen's meaning");
        assertEquals("etcd_000.edn", first.file().getFileName().toString());
        assertTrue(h.operations().size() > 50, "every invoke of the log became an operation");
    }
}
