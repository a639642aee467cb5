package kvstore.checker.cli;

import kvstore.checker.history.Semantics;
import kvstore.checker.model.RegisterModel;
import kvstore.checker.report.HtmlReport;
import kvstore.checker.search.CheckOptions;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * {@code check HISTORY... [--html OUT.html] [--timeout SECONDS]}: one verdict line per history.
 * Exit status: 0 all linearizable, 1 some history is not, 2 some verdict is unknown, 3 invalid input or usage,
 * 4 an internal error (a bug).
 */
public final class CheckerMain {
    public static final int LINEARIZABLE = 0;
    public static final int NOT_LINEARIZABLE = 1;
    public static final int UNKNOWN = 2;
    public static final int INVALID = 3;
    public static final int INTERNAL_ERROR = 4;

    private static final String USAGE = """
            usage: check HISTORY... [options]
              HISTORY             a history file: JSON Lines or Jepsen-style EDN (docs/history-format.md)
              --html OUT.html     also write a self-contained HTML report of every history
              --timeout SECONDS   time budget for each history's verdict (default 300); past it: UNKNOWN
              --explain-timeout SECONDS
                                  time budget for explaining each history's violations (default 60)
              --threads N         keys checked at once (default: the number of cores)
              --all-keys          decide every key, also once one is found not linearizable (by default
                                  the searches still running then stop: the verdict is the same, sooner)
              --semantics jepsen|kvstore
                                  what a failed operation means (docs/history-format.md); default: jepsen
                                  for EDN (no effect, no constraint), kvstore for JSON Lines (a failed cas
                                  also tells the key did not hold the expected value)
              --absent-reads-as-empty
                                  accept "" as the read of an absent key (stores that default to "")
              --stats             print wall time, operations per second and peak memory to stderr
            exit status: 0 all linearizable, 1 a history is not linearizable, 2 a verdict is unknown,
                         3 invalid input or usage, 4 an internal error (a bug: please report it)""";

    private CheckerMain() {
    }

    public static void main(String[] args) {
        int status;
        try {
            status = run(args, System.out, System.err);
        } catch (Throwable t) { // never let a crash exit with 1, which means "not linearizable"
            System.err.println("check: internal error: " + t);
            t.printStackTrace(System.err);
            status = INTERNAL_ERROR;
        }
        System.exit(status);
    }

    /** Runs the command line; returns the exit status. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        long start = System.nanoTime();
        Arguments a;
        try {
            a = Arguments.parse(args);
        } catch (IllegalArgumentException e) {
            err.println("check: " + e.getMessage());
            err.println(USAGE);
            return INVALID;
        }
        if (a.help) {
            out.println(USAGE);
            return LINEARIZABLE;
        }
        RegisterModel model = new RegisterModel(a.absentReadsAsEmpty);
        boolean invalid = false;
        boolean violated = false;
        boolean unknown = false;
        long ops = 0;
        List<HtmlReport.Named> reports = new ArrayList<>();
        // Several files are checked at once, sharing the threads (most histories of many files are small, often
        // one key each), each search keeping its share of the memory. Output stays in file order, each verdict
        // line before its explanation; files run at most a few ahead of what is printed, so that few are held.
        int workers = Math.max(1, Math.min(a.options.threads(), a.files.size()));
        CheckOptions perFile = a.options.withThreads(Math.max(1, a.options.threads() / workers))
                .withMaxSearchBytes(a.options.maxSearchBytes());
        ExecutorService pool = Executors.newFixedThreadPool(workers, r -> {
            Thread t = new Thread(r, "check-file");
            t.setDaemon(true);
            return t;
        });
        List<FileCheck> checks = new ArrayList<>();
        for (Path file : a.files) {
            checks.add(new FileCheck(file, a.semantics, model, perFile, a.html != null));
        }
        int ahead = 2 * workers;
        try {
            for (int i = 0; i < Math.min(ahead, checks.size()); i++) {
                pool.execute(checks.get(i));
            }
            for (int i = 0; i < checks.size(); i++) {
                FileCheck check = checks.get(i);
                FileCheck.Decided d = check.decided.join();
                if (d.status() == FileCheck.Status.OUT_OF_MEMORY && workers > 1) {
                    // The heap ran out with other files in it too: once more, on this thread, before the next.
                    check.explained.join();
                    check = new FileCheck(check.file, a.semantics, model, a.options, a.html != null);
                    check.run();
                    d = check.decided.join();
                }
                if (i + ahead < checks.size()) {
                    pool.execute(checks.get(i + ahead));
                }
                switch (d.status()) {
                    case OUT_OF_MEMORY -> out.println(check.file + ": UNKNOWN " + FileCheck.outOfMemory("checking it"));
                    case FAILED -> throw new IllegalStateException("checking " + check.file + " failed",
                            check.failure());
                    default -> out.println(d.line());
                }
                out.flush();
                switch (d.status()) {
                    case NOT_LINEARIZABLE -> violated = true;
                    case UNKNOWN, OUT_OF_MEMORY -> unknown = true;
                    case INVALID -> invalid = true;
                    default -> { }
                }
                FileCheck.Explained e = check.explained.join();
                e.lines().forEach(out::println);
                ops += e.operations();
                if (e.result() != null) {
                    reports.add(new HtmlReport.Named(check.file.toString(), e.result()));
                }
                checks.set(i, null); // printed: its history may go
            }
        } finally {
            pool.shutdownNow();
        }
        if (a.html != null) {
            try {
                HtmlReport.write(a.html, reports);
                out.println("report: " + a.html);
            } catch (IOException e) {
                err.println("check: cannot write the report " + a.html + ": " + e.getMessage());
                invalid = true;
            }
        }
        if (a.stats) {
            double seconds = (System.nanoTime() - start) / 1e9;
            err.printf(Locale.ROOT, "stats: %d files, %d ops, %.3f s in check (JVM start not included),"
                    + " %.0f ops/s, peak RSS %s%n", a.files.size(), ops, seconds, ops / seconds, peakRss());
        }
        if (invalid) {
            return INVALID;
        }
        return violated ? NOT_LINEARIZABLE : unknown ? UNKNOWN : LINEARIZABLE;
    }

    private static String peakRss() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    long kb = Long.parseLong(line.replaceAll("[^0-9]", ""));
                    return (kb / 1024) + " MB";
                }
            }
        } catch (IOException | NumberFormatException e) {
            // not on Linux: say so rather than guess
        }
        return "unknown";
    }

    private static final class Arguments {
        final List<Path> files = new ArrayList<>();
        Path html;
        boolean help;
        boolean stats;
        boolean absentReadsAsEmpty;
        Semantics semantics; // null: each format's own
        CheckOptions options = CheckOptions.defaults().withAllKeys(false);

        static Arguments parse(String[] args) {
            Arguments a = new Arguments();
            int i = 0;
            if (args.length > 0 && args[0].equals("check")) {
                i = 1;
            } else if (args.length > 0 && !args[0].startsWith("-")) {
                if (args[0].equals("help")) {
                    a.help = true;
                    return a;
                }
                throw new IllegalArgumentException("unknown command '" + args[0] + "'");
            }
            for (; i < args.length; i++) {
                String arg = args[i];
                switch (arg) {
                    case "-h", "--help" -> a.help = true;
                    case "--html" -> a.html = Path.of(value(args, ++i, arg));
                    case "--timeout" -> a.options = a.options.withTimeout(seconds(value(args, ++i, arg), arg));
                    case "--explain-timeout" ->
                            a.options = a.options.withExplainTimeout(seconds(value(args, ++i, arg), arg));
                    case "--threads" -> a.options = a.options.withThreads(positive(value(args, ++i, arg), arg));
                    case "--stats" -> a.stats = true;
                    case "--all-keys" -> a.options = a.options.withAllKeys(true);
                    case "--absent-reads-as-empty" -> a.absentReadsAsEmpty = true;
                    case "--semantics" -> {
                        String name = value(args, ++i, arg);
                        a.semantics = Semantics.fromWireName(name);
                        if (a.semantics == null) {
                            throw new IllegalArgumentException("--semantics takes jepsen or kvstore, not '"
                                    + name + "'");
                        }
                    }
                    default -> {
                        if (arg.startsWith("-")) {
                            throw new IllegalArgumentException("unknown option " + arg);
                        }
                        a.files.add(Path.of(arg));
                    }
                }
            }
            if (a.files.isEmpty() && !a.help) {
                throw new IllegalArgumentException("no history given");
            }
            return a;
        }

        private static String value(String[] args, int i, String option) {
            if (i >= args.length) {
                throw new IllegalArgumentException(option + " needs a value");
            }
            return args[i];
        }

        private static Duration seconds(String text, String option) {
            try {
                double s = Double.parseDouble(text);
                if (s > 0 && s < 1e9) {
                    return Duration.ofNanos((long) (s * 1e9));
                }
            } catch (NumberFormatException e) {
                // reported below
            }
            throw new IllegalArgumentException(option + " takes a positive number of seconds, not '" + text + "'");
        }

        private static int positive(String text, String option) {
            try {
                int n = Integer.parseInt(text);
                if (n > 0) {
                    return n;
                }
            } catch (NumberFormatException e) {
                // reported below
            }
            throw new IllegalArgumentException(option + " takes a positive whole number, not '" + text + "'");
        }
    }
}
