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
 */
final class FileCheck implements Runnable {
    enum Status { LINEARIZABLE, NOT_LINEARIZABLE, UNKNOWN, INVALID }

    /** What the verdict line says. */
    record Decided(String line, Status status) {
    }

    /** What follows it, and the result for the HTML report ({@code null} if there is none). */
    record Explained(List<String> lines, CheckResult result, long operations) {
    }

    final Path file;
    final CompletableFuture<Decided> decided = new CompletableFuture<>();
    final CompletableFuture<Explained> explained = new CompletableFuture<>();
    private final Semantics semantics;
    private final RegisterModel model;
    private final CheckOptions options;

    FileCheck(Path file, Semantics semantics, RegisterModel model, CheckOptions options) {
        this.file = file;
        this.semantics = semantics;
        this.model = model;
        this.options = options;
    }

    @Override
    public void run() {
        try {
            History history;
            try {
                history = HistoryReader.read(file, semantics);
            } catch (OutOfMemoryError e) {
                finish(Status.UNKNOWN, outOfMemory("reading it"));
                return;
            } catch (HistoryFormatException e) {
                finish(Status.INVALID, e.getMessage());
                return;
            } catch (NoSuchFileException e) {
                finish(Status.INVALID, "no such file");
                return;
            } catch (IOException e) {
                finish(Status.INVALID, "cannot read: " + e.getMessage());
                return;
            }
            CheckResult result;
            try {
                result = LinearizabilityChecker.decide(history, model, options);
            } catch (OutOfMemoryError e) {
                finish(Status.UNKNOWN, outOfMemory("checking it"));
                return;
            }
            decided.complete(new Decided(TextReport.verdictLine(file.toString(), result), statusOf(result.verdict())));
            List<String> lines = new ArrayList<>();
            try {
                result = LinearizabilityChecker.explain(result, model, options);
            } catch (OutOfMemoryError e) {
                lines.add("  (not explained: " + outOfMemory("explaining it") + ")");
            }
            lines.addAll(TextReport.details(result));
            explained.complete(new Explained(lines, result, history.operations().size()));
        } catch (RuntimeException | Error e) {
            decided.completeExceptionally(e); // a bug: the command reports it as an internal error
            explained.completeExceptionally(e);
        }
    }

    private void finish(Status status, String why) {
        decided.complete(new Decided(file + ": " + status + " " + why, status));
        explained.complete(new Explained(List.of(), null, 0));
    }

    private static Status statusOf(Verdict verdict) {
        return switch (verdict) {
            case LINEARIZABLE -> Status.LINEARIZABLE;
            case NOT_LINEARIZABLE -> Status.NOT_LINEARIZABLE;
            case UNKNOWN -> Status.UNKNOWN;
        };
    }

    /**
     * The heap ran out although every search bounds its memory: the history itself is too large for it. Say so
     * (what this file held is garbage now, and the next file is checked), rather than crash.
     */
    private static String outOfMemory(String doing) {
        return "(out of memory " + doing + ": the history needs more than the JVM's heap of "
                + (Runtime.getRuntime().maxMemory() >> 20) + " MB; give it more with -Xmx)";
    }
}
