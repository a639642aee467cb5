package kvstore.checker.cli;

import kvstore.checker.history.History;
import kvstore.checker.history.HistoryFormatException;
import kvstore.checker.history.HistoryReader;
import kvstore.checker.history.Semantics;
import kvstore.checker.model.RegisterModel;
import kvstore.checker.report.TextReport;
import kvstore.checker.search.CheckOptions;
import kvstore.checker.search.CheckResult;
import kvstore.checker.search.LinearizabilityChecker;
import kvstore.checker.search.Verdict;

import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * One history file through the command: read, decide, explain. Its verdict line is ready as soon as the verdict
 * is, before the explanation, so that the command can print it first; several files may be checked at once.
 * Both futures always complete, whatever happens (with sentinels made in advance when even that cannot
 * allocate), so that the command never waits forever.
 */
final class FileCheck implements Runnable {
    enum Status {
        LINEARIZABLE, NOT_LINEARIZABLE, UNKNOWN, INVALID,
        /** The heap ran out while other files were being checked too: check it again, alone. */
        OUT_OF_MEMORY,
        /** A bug: the command reports an internal error. */
        FAILED
    }

    /** What the verdict line says. */
    record Decided(String line, Status status) {
    }

    /**
     * What follows it.
     *
     * @param result the result for the HTML report, when one is written, else {@code null}
     */
    record Explained(List<String> lines, CheckResult result, long operations) {
    }

    private static final Decided OUT_OF_MEMORY = new Decided("", Status.OUT_OF_MEMORY);
    private static final Decided FAILED = new Decided("", Status.FAILED);
    private static final Explained NOTHING = new Explained(List.of(), null, 0);

    final Path file;
    final CompletableFuture<Decided> decided = new CompletableFuture<>();
    final CompletableFuture<Explained> explained = new CompletableFuture<>();
    private final Semantics semantics;
    private final RegisterModel model;
    private final CheckOptions options;
    private final boolean keepResult;
    private volatile Throwable failure;

    FileCheck(Path file, Semantics semantics, RegisterModel model, CheckOptions options, boolean keepResult) {
        this.file = file;
        this.semantics = semantics;
        this.model = model;
        this.options = options;
        this.keepResult = keepResult;
    }

    /** What went wrong, for a {@link Status#FAILED} check. */
    Throwable failure() {
        return failure;
    }

    @Override
    public void run() {
        try {
            check();
        } catch (OutOfMemoryError e) {
            decided.complete(OUT_OF_MEMORY);
        } catch (RuntimeException | Error e) {
            failure = e;
            decided.complete(FAILED);
        } finally {
            decided.complete(FAILED); // no-ops when already complete
            explained.complete(NOTHING);
        }
    }

    private void check() {
        History history;
        try {
            history = HistoryReader.read(file, semantics);
        } catch (HistoryFormatException e) {
            decided.complete(new Decided(file + ": INVALID " + e.getMessage(), Status.INVALID));
            return;
        } catch (NoSuchFileException e) {
            decided.complete(new Decided(file + ": INVALID no such file", Status.INVALID));
            return;
        } catch (IOException e) {
            decided.complete(new Decided(file + ": INVALID cannot read: " + e.getMessage(), Status.INVALID));
            return;
        }
        CheckResult result = LinearizabilityChecker.decide(history, model, options);
        decided.complete(new Decided(TextReport.verdictLine(file.toString(), result), statusOf(result.verdict())));
        List<String> lines = new ArrayList<>();
        try {
            result = LinearizabilityChecker.explain(result, model, options);
        } catch (OutOfMemoryError e) {
            lines.add("  (not explained: " + outOfMemory("explaining it") + ")");
        }
        lines.addAll(TextReport.details(result));
        explained.complete(new Explained(lines, keepResult ? result : null, history.operations().size()));
    }

    private static Status statusOf(Verdict verdict) {
        return switch (verdict) {
            case LINEARIZABLE -> Status.LINEARIZABLE;
            case NOT_LINEARIZABLE -> Status.NOT_LINEARIZABLE;
            case UNKNOWN -> Status.UNKNOWN;
        };
    }

    /**
     * The heap ran out although every search bounds its memory: the history itself is too large for it. Said
     * instead of a crash; what the file held is garbage now, and the next file is checked.
     */
    static String outOfMemory(String doing) {
        return "(out of memory " + doing + ": the history needs more than the JVM's heap of "
                + (Runtime.getRuntime().maxMemory() >> 20) + " MB; give it more with -Xmx)";
    }
}
