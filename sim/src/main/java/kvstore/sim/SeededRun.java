package kvstore.sim;

import kvstore.checker.history.Event;
import kvstore.checker.history.HistoryWriter;
import kvstore.checker.model.RegisterModel;
import kvstore.checker.report.HtmlReport;
import kvstore.checker.report.TextReport;
import kvstore.checker.search.CheckOptions;
import kvstore.checker.search.CheckResult;
import kvstore.checker.search.LinearizabilityChecker;
import kvstore.checker.search.Verdict;
import kvstore.sim.nemesis.FaultSchedule;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * One seeded run, judged: the checker's verdict on its history and the lost-write check. Everything about a
 * run follows from (config, seed, schedule), so a failure is reported as exactly that and replays exactly.
 */
public record SeededRun(SimConfig config, long seed, FaultSchedule schedule, RunResult run, CheckResult check,
                        List<String> lostWrites) {

    /** The run of {@code seed} with the faults drawn from it. */
    public static SeededRun of(SimConfig config, long seed) {
        SimConfig shaped = config.forSeed(seed);
        return of(shaped, seed, scheduleFor(shaped, seed));
    }

    /** The faults of the run of this seed, of a config that is already the run's shape ({@link SimConfig#forSeed}). */
    public static FaultSchedule scheduleFor(SimConfig config, long seed) {
        long duration = (long) config.operations() * 3_000L / config.clients();
        return FaultSchedule.random(new SplittableRandom(seed ^ 0x5C4ED01EL), config.nodes(), config.controllers(),
                duration, config.faultKinds());
    }

    public static SeededRun of(SimConfig config, long seed, FaultSchedule schedule) {
        RunResult run = new Simulation(config, seed, schedule, false).run();
        CheckOptions options = CheckOptions.defaults().withTimeout(Duration.ofSeconds(30)).withThreads(1);
        CheckResult check = LinearizabilityChecker.check(run.history(), new RegisterModel(), options);
        return new SeededRun(config, seed, schedule, run, check, LostWrites.find(run.history()));
    }

    public boolean failed() {
        return !run.finished() || check.verdict() != Verdict.LINEARIZABLE || !lostWrites.isEmpty()
                || !run.availabilityViolations().isEmpty() || !run.invariantViolations().isEmpty();
    }

    public String describe() {
        List<String> lines = new ArrayList<>();
        String ended = !run.invariantViolations().isEmpty() && !run.finished() ? "stopped at a broken invariant; "
                : run.finished() ? "" : "did not settle (the final reads did not complete within "
                + Simulation.SETTLE_BOUND / 1_000_000 + " s of the faults' end); ";
        lines.add("seed " + seed + ": " + ended
                + check.verdict() + ", " + (lostWrites.isEmpty() ? "no lost writes" : lostWrites.size()
                + " lost writes") + " (" + run.history().operations().size() + " ops, "
                + run.deliveredMessages() + " messages, " + run.virtualMicros() / 1000 + " ms virtual)");
        lines.add("shape: " + config.shape());
        lines.add("views: " + run.views() + ", controllers: " + config.controllers() + ", keys loaded: "
                + config.storeKeysFor(seed) + ", log kept: " + config.replicaFor(seed).logKept() + ", disks: "
                + (config.disks().forSeed(seed) ? "yes" : "no (in memory)")
                + (Simulation.storeQuotaFor(seed) == Long.MAX_VALUE ? ""
                : ", store quota: " + Simulation.storeQuotaFor(seed) + " bytes") + "; faults: " + schedule);
        lostWrites.forEach(l -> lines.add("  " + l));
        run.availabilityViolations().stream().limit(5).forEach(v -> lines.add("  unavailable: " + v));
        run.invariantViolations().stream().limit(5).forEach(v -> lines.add("  broken invariant: " + v));
        if (check.verdict() == Verdict.NOT_LINEARIZABLE) {
            lines.addAll(TextReport.lines("history", check));
        }
        return String.join("\n", lines);
    }

    /** Writes the history, the event trace (re-run with tracing) and the HTML report under {@code dir}. */
    public Path writeArtifacts(Path dir) {
        try {
            Path out = dir.resolve("seed-" + seed);
            Files.createDirectories(out);
            try (HistoryWriter w = new HistoryWriter(Files.newBufferedWriter(out.resolve("history.jsonl"),
                    StandardCharsets.UTF_8))) {
                for (Event e : run.events()) {
                    w.write(e);
                }
            }
            String trace = new Simulation(config, seed, schedule, true).run().trace();
            Files.writeString(out.resolve("trace.txt"), trace);
            Files.writeString(out.resolve("summary.txt"), describe() + "\n");
            HtmlReport.write(out.resolve("report.html"), List.of(new HtmlReport.Named("seed " + seed, check)));
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
