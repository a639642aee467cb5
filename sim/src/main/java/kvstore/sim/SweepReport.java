package kvstore.sim;

import kvstore.checker.report.Html;
import kvstore.sim.nemesis.Fault;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What a sweep's runs add up to, across seeds: the share of operations that succeeded during faults, the time to
 * serve every key again after them, and the time from each crash to the next successful write. The
 * summary {@code ./kv sim-sweep} prints at the end, and a self-contained page with their distributions
 * ({@code sim/target/sim-sweep/report.html}: inline SVG, nothing from the network).
 */
final class SweepReport {
    /** Bin edges in milliseconds for the times, roughly logarithmic. */
    private static final double[] TIME_EDGES = {0, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000};
    private static final int WIDTH = 900;
    private static final int HEIGHT = 220;
    private static final int LEFT = 56;
    private static final int BOTTOM = 36;

    private final List<Double> availability = new ArrayList<>();
    private final List<Long> recoveryMicros = new ArrayList<>();
    private final List<Long> failoverMicros = new ArrayList<>();
    private int runs;
    private int crashesWithoutWrite;

    /** Adds a passed run. */
    void add(SeededRun seeded) {
        runs++;
        RunResult run = seeded.run();
        double share = run.availability().share();
        if (!Double.isNaN(share)) {
            availability.add(share);
        }
        recoveryMicros.add(run.recoveryMicros());
        for (Fault f : seeded.schedule().faults()) {
            long at = switch (f) {
                case Fault.Crash crash -> crash.at();
                case Fault.CrashPrimary crash -> crash.at();
                case Fault.CrashAll crash -> crash.at();
                default -> -1;
            };
            if (at < 0) {
                continue;
            }
            long first = FailoverTimes.firstWriteInvokedAfter(run.events(), at);
            if (first >= 0) {
                failoverMicros.add(first - at);
            } else {
                crashesWithoutWrite++; // the run's clients had stopped writing, or nothing served again in time
            }
        }
    }

    /** Percentiles over the runs, as {@code ./kv sim-sweep} prints them at the end. */
    String summary() {
        StringBuilder s = new StringBuilder();
        List<Double> shares = sorted(availability);
        if (shares.isEmpty()) {
            s.append("availability during faults: no run had an operation during a fault");
        } else {
            s.append(String.format(Locale.ROOT, "availability during faults (share of operations that succeeded, "
                            + "%d runs): min %.1f%%, p10 %.1f%%, p50 %.1f%%, p90 %.1f%%", shares.size(),
                    100 * shares.getFirst(), 100 * percentile(shares, 0.10), 100 * percentile(shares, 0.50),
                    100 * percentile(shares, 0.90)));
        }
        s.append(times("\nserving every key again after the faults", recoveryMicros));
        s.append(times("\nfrom a crash (one node, the primary, or all) to the next write invoked and acknowledged",
                failoverMicros));
        if (crashesWithoutWrite > 0) {
            s.append(String.format(Locale.ROOT, "%ncrashes with no write invoked and acknowledged after them in the "
                    + "run: %d", crashesWithoutWrite));
        }
        return s.toString();
    }

    private static String times(String what, List<Long> micros) {
        List<Long> t = sorted(micros);
        if (t.isEmpty()) {
            return "";
        }
        return String.format(Locale.ROOT, "%s (virtual ms, %d): p50 %.0f, p90 %.0f, p99 %.0f, max %.0f", what,
                t.size(), percentile(t, 0.50) / 1000.0, percentile(t, 0.90) / 1000.0,
                percentile(t, 0.99) / 1000.0, t.getLast() / 1000.0);
    }

    /** The page, with {@code command} (how the sweep was run) at its head. */
    String html(String command) {
        StringBuilder out = new StringBuilder(1 << 16);
        out.append("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Simulator sweep</title><style>\n")
                .append("body { font: 14px sans-serif; margin: 24px; color: #222; }\n")
                .append("svg { font: 11px sans-serif; } .bar { fill: #4a7fb5; } .grid { stroke: #e4e4e4; }\n")
                .append(".frame { fill: none; stroke: #999; }\n")
                .append("pre { background: #f6f6f6; padding: 8px; white-space: pre-wrap; }\n")
                .append("</style></head><body>\n<h1>Simulator sweep: ").append(runs).append(" seeds passed</h1>\n")
                .append("<pre>").append(Html.escape(command)).append("\n\n").append(Html.escape(summary()))
                .append("</pre>\n");
        out.append("<h2>Availability during faults</h2>\n<p>Per run: the share of the operations invoked while a "
                + "fault was in effect that succeeded (runs without an operation during a fault are left out).</p>\n");
        out.append(histogram(shareBins(), "runs"));
        out.append("<h2>Time to serve every key again after the faults</h2>\n<p>Per run: from the end of the last "
                + "fault to every key served again (virtual time).</p>\n");
        out.append(histogram(timeBins(recoveryMicros), "runs"));
        out.append("<h2>Writes again after a crash</h2>\n<p>Per crash of a node (a backup too: the primary refuses "
                + "writes until it answers again or a view without it is installed), of the primary, or of every node: "
                + "until the first write invoked after it was acknowledged (virtual time), whoever changed the view."
                + "</p>\n");
        out.append(failoverMicros.isEmpty() ? "<p>No run crashed a node.</p>\n"
                : histogram(timeBins(failoverMicros), "crashes"));
        return out.append("</body></html>\n").toString();
    }

    void write(Path file, String command) {
        try {
            Files.createDirectories(file.getParent());
            Files.writeString(file, html(command));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private record Bin(String label, int count) {
    }

    private List<Bin> shareBins() {
        int[] counts = new int[20];
        for (double s : availability) {
            counts[Math.min(19, (int) Math.floor(s * 20))]++;
        }
        List<Bin> bins = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            bins.add(new Bin(i * 5 + "%", counts[i]));
        }
        return bins;
    }

    private static List<Bin> timeBins(List<Long> micros) {
        int[] counts = new int[TIME_EDGES.length];
        for (long m : micros) {
            double ms = m / 1000.0;
            int bin = TIME_EDGES.length - 1;
            for (int i = 1; i < TIME_EDGES.length; i++) {
                if (ms < TIME_EDGES[i]) {
                    bin = i - 1;
                    break;
                }
            }
            counts[bin]++;
        }
        List<Bin> bins = new ArrayList<>();
        for (int i = 0; i < TIME_EDGES.length; i++) {
            bins.add(new Bin(String.format(Locale.ROOT, i == TIME_EDGES.length - 1 ? "%.0f+ ms" : "%.0f ms",
                    TIME_EDGES[i]), counts[i]));
        }
        return bins;
    }

    /** Bars, one per bin, each labelled with its lower edge and its count. */
    private static String histogram(List<Bin> bins, String unit) {
        int highest = 1;
        for (Bin b : bins) {
            highest = Math.max(highest, b.count());
        }
        double slot = (WIDTH - LEFT - 10.0) / bins.size();
        StringBuilder svg = new StringBuilder(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" "
                + "width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\">%n", WIDTH, HEIGHT + BOTTOM, WIDTH,
                HEIGHT + BOTTOM));
        for (int i = 0; i <= 4; i++) {
            double y = 10 + (HEIGHT - 10) * (1 - i / 4.0);
            svg.append(String.format(Locale.ROOT, "<line class=\"grid\" x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\"/>"
                    + "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%.0f</text>%n", LEFT, y, WIDTH - 10, y,
                    LEFT - 6, y + 4, highest * i / 4.0));
        }
        for (int i = 0; i < bins.size(); i++) {
            Bin b = bins.get(i);
            double h = (HEIGHT - 10.0) * b.count() / highest;
            double x = LEFT + i * slot;
            svg.append(String.format(Locale.ROOT, "<rect class=\"bar\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
                    + "height=\"%.1f\"><title>%s: %d %s</title></rect>%n", x + 2, HEIGHT - h, slot - 4, h,
                    Html.escape(b.label()), b.count(), unit));
            svg.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>%n",
                    x + slot / 2, HEIGHT + 16, Html.escape(b.label())));
        }
        svg.append(String.format(Locale.ROOT, "<rect class=\"frame\" x=\"%d\" y=\"10\" width=\"%d\" height=\"%d\"/>"
                + "<text x=\"%d\" y=\"%d\">%s per bin (hover a bar for its count)</text>%n</svg>%n", LEFT,
                WIDTH - 10 - LEFT, HEIGHT - 10, LEFT, HEIGHT + 32, unit));
        return svg.toString();
    }

    private static <T extends Comparable<T>> List<T> sorted(List<T> values) {
        List<T> copy = new ArrayList<>(values);
        copy.sort(null);
        return copy;
    }

    /** The nearest-rank percentile of sorted values ({@link FailoverTimes} takes its figures with it too). */
    static <T extends Number> double percentile(List<T> sorted, double p) {
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, (int) Math.ceil(p * sorted.size()) - 1)))
                .doubleValue();
    }
}
