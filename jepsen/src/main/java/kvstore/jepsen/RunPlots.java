package kvstore.jepsen;

import kvstore.checker.report.Html;
import kvstore.checker.history.Event;
import kvstore.checker.history.EventType;
import kvstore.checker.history.OpKind;
import kvstore.sim.workload.HistoryRecorder;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The plots a Jepsen user looks at first, as inline SVG for {@code report.html} (no script, nothing from the
 * network): every operation's latency over time, coloured by outcome and shaped by kind, on a log scale; throughput
 * per second by outcome; the replication lag and view epochs the nodes' metrics gave; the nemesis's faults as
 * shaded bands and the view changes as dashed lines on each; and the share of operations that succeeded, overall
 * and during each kind of fault.
 */
final class RunPlots {
    /** One operation: invoked and completed at nanoseconds since the run started. */
    record Op(long start, long end, OpKind kind, EventType outcome) {
        double latencyMillis() {
            return (end - start) / 1e6;
        }
    }

    static final int MAX_POINTS = 40_000; // past it, every n-th operation is drawn (the count says so)
    private static final int WIDTH = 1100;
    private static final int LEFT = 60;
    private static final int RIGHT = 20;
    private static final int TOP = 24;
    private static final int PLOT_HEIGHT = 260;
    private static final Map<EventType, String> COLOUR = new EnumMap<>(Map.of(
            EventType.OK, "#1a9850", EventType.FAIL, "#d73027", EventType.INFO, "#f39c12"));
    private static final Map<String, String> FAULT_FILL = Map.of(
            "crash-primary", "#fbb4ae", "crash-all", "#f768a1", "pause", "#b3cde3", "partition", "#fed9a6",
            "partition-primary", "#e5d8bd");

    private static final String[] SERIES_COLOURS = {"#1f78b4", "#e31a1c", "#33a02c", "#6a3d9a", "#ff7f00",
        "#b15928", "#a6cee3", "#fb9a99", "#b2df8a"};

    private final List<Op> ops;
    private final List<NemesisLog.Fault> faults;
    private final List<NemesisLog.Entry> views;
    private final MetricsScraper.Curves curves;
    private final double seconds; // the x axis: 0 to the end of the run

    /**
     * @param runNanos when the clients stopped: the end of the time axis (an unhealed fault lasts until then)
     * @param curves   what the nodes' metrics said during the run (none: those plots are left out)
     */
    RunPlots(List<Op> ops, List<NemesisLog.Fault> faults, List<NemesisLog.Entry> views,
             MetricsScraper.Curves curves, long runNanos) {
        this.ops = ops;
        this.faults = faults;
        this.views = views;
        this.curves = curves;
        long last = runNanos;
        for (Op op : ops) {
            last = Math.max(last, op.end()); // an operation the clients' stop cut short ends a little later
        }
        this.seconds = Math.max(1, last / 1e9);
    }

    /**
     * What the clients did until {@code endNanos} (the final reads after it are the harness's, not the run's): every
     * completed operation, and every attempt left out of the history because it never left or was refused before
     * it was ordered (a failure to the client; HistoryRecorder#withdraw).
     */
    static List<Op> ops(HistoryRecorder history, long endNanos) {
        List<Op> ops = new ArrayList<>();
        for (Op op : ops(history.lines())) {
            if (op.start() <= endNanos) {
                ops.add(op);
            }
        }
        for (HistoryRecorder.Withdrawn w : history.withdrawn()) {
            if (w.invocation().time() != Event.NO_TIME && w.invocation().time() <= endNanos) {
                ops.add(new Op(w.invocation().time(), w.at(), w.invocation().f(), EventType.FAIL));
            }
        }
        ops.sort(java.util.Comparator.comparingLong(Op::start));
        return ops;
    }

    /**
     * The completed operations of {@code lines}, each invocation paired with its process's next completion. A cas
     * recorded as failed was answered (its comparison failed: the history's meaning of a failed cas), so to a client
     * it succeeded; a cas refused is not in the history (see {@link #ops(HistoryRecorder, long)}).
     */
    static List<Op> ops(List<HistoryRecorder.Line> lines) {
        Map<String, Event> open = new HashMap<>();
        List<Op> ops = new ArrayList<>();
        for (HistoryRecorder.Line line : lines) {
            if (!(line instanceof HistoryRecorder.Recorded r) || r.event().time() == Event.NO_TIME) {
                continue;
            }
            Event e = r.event();
            if (e.type() == EventType.INVOKE) {
                open.put(e.process(), e);
            } else {
                Event invoked = open.remove(e.process());
                if (invoked != null) {
                    EventType outcome = invoked.f() == OpKind.CAS && e.type() == EventType.FAIL ? EventType.OK
                            : e.type();
                    ops.add(new Op(invoked.time(), e.time(), invoked.f(), outcome));
                }
            }
        }
        return ops;
    }

    /** The plots and the availability table, as one HTML section. */
    String html() {
        StringBuilder out = new StringBuilder(1 << 20);
        out.append("<section class=\"plots\">\n<h2>Latency, throughput and faults</h2>\n");
        out.append(legend());
        out.append("<h3>Latency of every operation (log scale)</h3>\n").append(latency());
        out.append("<h3>Throughput per second, by outcome</h3>\n").append(throughput());
        if (!curves.lag().isEmpty()) {
            out.append("<h3>Replication lag each primary reported for its backups (the nodes' metrics)</h3>\n")
                    .append(curve(curves.lag(), "primary %s", false, "%.0f ms", 1000));
        }
        if (!curves.epochs().isEmpty()) {
            out.append("<h3>View epoch each node held (the nodes' metrics; a gap: the node did not answer)</h3>\n")
                    .append(curve(curves.epochs(), "%s", true, "%.0f", 1));
        }
        out.append("<h3>Availability: operations that succeeded</h3>\n").append(availability());
        out.append("</section>\n");
        return out.toString();
    }

    private String legend() {
        StringBuilder out = new StringBuilder("<p class=\"plot-legend\">");
        COLOUR.forEach((type, colour) -> out.append("<i style=\"color:").append(colour).append("\">&#9679; ")
                .append(outcomeName(type)).append("</i>"));
        out.append("<i>shapes: &#9679; get (a whole-store read: one per key), &#9632; put, &#9650; delete, "
                + "&#9670; cas</i><br>");
        FAULT_FILL.forEach((kind, fill) -> {
            if (faults.stream().anyMatch(f -> f.kind().equals(kind))) {
                out.append("<i><b class=\"swatch\" style=\"background:").append(fill).append("\"></b> ")
                        .append(kind).append("</i>");
            }
        });
        if (!views.isEmpty()) {
            out.append("<i style=\"color:#555\">&#8942; view change (hover for the view)</i>");
        }
        return out.append("</p>\n").toString();
    }

    private static String outcomeName(EventType type) {
        return switch (type) {
            case OK -> "ok (answered; a cas whose comparison failed too)";
            case FAIL -> "fail (certainly not applied)";
            case INFO -> "unknown outcome";
            default -> type.name();
        };
    }

    private String latency() {
        double lowest = 0.1;
        double highest = 10;
        for (Op op : ops) {
            highest = Math.max(highest, op.latencyMillis());
        }
        double top = Math.pow(10, Math.ceil(Math.log10(highest)));
        double decades = Math.log10(top / lowest);
        Svg svg = new Svg();
        backdrop(svg);
        for (double tick = lowest; tick <= top * 1.0001; tick *= 10) {
            double y = yLog(tick, lowest, decades);
            svg.line(LEFT, y, WIDTH - RIGHT, y, "grid");
            svg.text(LEFT - 6, y + 4, "end", tick < 1 ? String.format(Locale.ROOT, "%.1f ms", tick)
                    : String.format(Locale.ROOT, "%.0f ms", tick));
        }
        int every = Math.max(1, (ops.size() + MAX_POINTS - 1) / MAX_POINTS);
        for (int i = 0; i < ops.size(); i += every) {
            Op op = ops.get(i);
            double x = x(op.start() / 1e9);
            double y = yLog(Math.max(lowest, op.latencyMillis()), lowest, decades);
            svg.point(op.kind(), x, y, COLOUR.getOrDefault(op.outcome(), "#000"));
        }
        overlays(svg);
        String sampled = every == 1 ? "" : " (1 in " + every + " of " + ops.size() + ")";
        return svg.close("latency", "operations drawn: " + (ops.size() + every - 1) / every + sampled);
    }

    private String throughput() {
        int buckets = (int) Math.ceil(seconds);
        Map<EventType, int[]> perSecond = new LinkedHashMap<>();
        COLOUR.keySet().forEach(t -> perSecond.put(t, new int[buckets]));
        for (Op op : ops) {
            int[] counts = perSecond.get(op.outcome());
            int second = (int) Math.min(buckets - 1, op.end() / 1_000_000_000L);
            if (counts != null && second >= 0) {
                counts[second]++;
            }
        }
        int highest = 10;
        for (int[] counts : perSecond.values()) {
            for (int c : counts) {
                highest = Math.max(highest, c);
            }
        }
        double top = niceCeiling(highest);
        Svg svg = new Svg();
        backdrop(svg);
        linearAxis(svg, top, value -> String.format(Locale.ROOT, "%.0f/s", value));
        perSecond.forEach((type, counts) -> {
            StringBuilder points = new StringBuilder();
            for (int s = 0; s < counts.length; s++) {
                points.append(String.format(Locale.ROOT, "%.1f,%.1f ", x(s + 0.5), yLinear(counts[s], top)));
            }
            svg.polyline(points.toString().trim(), COLOUR.get(type), outcomeName(type));
        });
        overlays(svg);
        return svg.close("throughput", "completions per second");
    }

    /**
     * Series scraped from the nodes' metrics over time, one colour each: lines between samples, or steps (a value
     * holds until the next sample). A missing scrape (the node did not answer) or a NaN breaks the line.
     *
     * @param name  the legend's text for a series' key
     * @param label the y axis's label for a value (after {@code scale})
     */
    private String curve(Map<String, List<MetricsScraper.Sample>> series, String name, boolean steps, String label,
                         double scale) {
        double highest = 0;
        for (List<MetricsScraper.Sample> samples : series.values()) {
            for (MetricsScraper.Sample sample : samples) {
                if (!Double.isNaN(sample.value())) {
                    highest = Math.max(highest, sample.value() * scale);
                }
            }
        }
        double top = niceCeiling((int) Math.max(4, Math.ceil(highest)));
        Svg svg = new Svg();
        backdrop(svg);
        linearAxis(svg, top, value -> String.format(Locale.ROOT,
                Math.abs(value - Math.rint(value)) < 1e-9 ? label : label.replace(".0f", ".2f"), value));
        StringBuilder legend = new StringBuilder();
        int colour = 0;
        long gap = MetricsScraper.EVERY.toNanos() * 4;
        for (Map.Entry<String, List<MetricsScraper.Sample>> s : series.entrySet()) {
            String stroke = SERIES_COLOURS[colour++ % SERIES_COLOURS.length];
            String title = String.format(Locale.ROOT, name, s.getKey());
            StringBuilder points = new StringBuilder();
            MetricsScraper.Sample previous = null;
            for (MetricsScraper.Sample sample : s.getValue()) {
                boolean broken = previous == null || Double.isNaN(sample.value())
                        || sample.nanos() - previous.nanos() > gap;
                if (broken && !points.isEmpty()) {
                    svg.polyline(visible(points.toString().trim()), stroke, title);
                    points.setLength(0);
                }
                if (!Double.isNaN(sample.value())) {
                    double y = yLinear(Math.min(top, sample.value() * scale), top);
                    if (steps && !points.isEmpty()) {
                        points.append(String.format(Locale.ROOT, "%.1f,%.1f ", x(sample.nanos() / 1e9),
                                yLinear(Math.min(top, previous.value() * scale), top)));
                    }
                    points.append(String.format(Locale.ROOT, "%.1f,%.1f ", x(sample.nanos() / 1e9), y));
                }
                previous = sample;
            }
            if (!points.isEmpty()) {
                svg.polyline(visible(points.toString().trim()), stroke, title);
            }
            legend.append("<i style=\"color:").append(stroke).append("\">&#9473; ").append(title).append("</i>");
        }
        overlays(svg);
        return "<p class=\"plot-legend\">" + legend + "</p>\n" + svg.close("curve", "scraped every "
                + MetricsScraper.EVERY.toMillis() + " ms");
    }

    /** A line of one point is drawn as a short dash: a polyline of one point shows nothing. */
    private static String visible(String points) {
        if (points.contains(" ")) {
            return points;
        }
        String[] xy = points.split(",");
        return points + String.format(Locale.ROOT, " %.1f,%s", Double.parseDouble(xy[0]) + 3, xy[1]);
    }

    /**
     * Operations invoked during each kind of fault, and outside every fault, how many succeeded, and how many
     * succeeded per second of that time (counted from the first operation's invocation to the last's completion).
     */
    private String availability() {
        Map<String, int[]> byWindow = new LinkedHashMap<>(); // name -> {ok, all}
        byWindow.put("whole run", new int[2]);
        byWindow.put("no fault", new int[2]);
        for (NemesisLog.Fault f : faults) {
            byWindow.putIfAbsent(f.kind(), new int[2]);
        }
        Map<String, Double> secondsOf = windowSeconds(byWindow.keySet());
        for (Op op : ops) {
            String window = "no fault";
            for (NemesisLog.Fault f : faults) {
                long end = f.endMillis() < 0 ? Long.MAX_VALUE : f.endMillis() * 1_000_000L;
                if (op.start() >= f.startMillis() * 1_000_000L && op.start() < end) {
                    window = f.kind();
                }
            }
            for (String name : List.of("whole run", window)) {
                int[] counts = byWindow.get(name);
                counts[1]++;
                if (op.outcome() == EventType.OK) {
                    counts[0]++;
                }
            }
        }
        StringBuilder out = new StringBuilder("<table class=\"availability\"><tr><th>while</th><th>operations</th>"
                + "<th>ok</th><th>availability</th><th>seconds</th><th>ok per second</th></tr>\n");
        byWindow.forEach((name, counts) -> {
            double seconds = secondsOf.getOrDefault(name, 0.0);
            out.append("<tr><td>").append(name).append("</td><td>").append(counts[1]).append("</td><td>")
                    .append(counts[0]).append("</td><td>").append(counts[1] == 0 ? "-"
                            : String.format(Locale.ROOT, "%.1f%%", 100.0 * counts[0] / counts[1]))
                    .append("</td><td>").append(String.format(Locale.ROOT, "%.1f", seconds)).append("</td><td>")
                    .append(seconds <= 0 ? "-" : String.format(Locale.ROOT, "%.1f", counts[0] / seconds))
                    .append("</td></tr>\n");
        });
        return out.append("</table>\n").toString();
    }

    /** How long each window lasted within the clients' time (from the first invocation to the last completion). */
    private Map<String, Double> windowSeconds(java.util.Set<String> windows) {
        Map<String, Double> seconds = new HashMap<>();
        if (ops.isEmpty()) {
            return seconds;
        }
        long from = Long.MAX_VALUE;
        long to = Long.MIN_VALUE;
        for (Op op : ops) {
            from = Math.min(from, op.start());
            to = Math.max(to, op.end());
        }
        double inFaults = 0;
        for (NemesisLog.Fault f : faults) {
            long start = Math.max(from, f.startMillis() * 1_000_000L);
            long end = Math.min(to, f.endMillis() < 0 ? to : f.endMillis() * 1_000_000L);
            double length = Math.max(0, end - start) / 1e9;
            seconds.merge(f.kind(), length, Double::sum);
            inFaults += length;
        }
        seconds.put("whole run", (to - from) / 1e9);
        seconds.put("no fault", Math.max(0, (to - from) / 1e9 - inFaults));
        seconds.keySet().retainAll(windows);
        return seconds;
    }

    /** The plot's frame and time axis, under everything else. */
    private void backdrop(Svg svg) {
        for (NemesisLog.Fault f : faults) {
            double from = x(f.startMillis() / 1000.0);
            double to = x((f.endMillis() < 0 ? seconds * 1000 : f.endMillis()) / 1000.0);
            svg.band(from, Math.max(1, to - from), FAULT_FILL.getOrDefault(f.kind(), "#ddd"), f.kind() + ": "
                    + f.what() + String.format(Locale.ROOT, " (%.1f s to %s)", f.startMillis() / 1000.0,
                    f.endMillis() < 0 ? "the end" : String.format(Locale.ROOT, "%.1f s", f.endMillis() / 1000.0)));
        }
        double step = seconds <= 30 ? 5 : seconds <= 120 ? 10 : seconds <= 600 ? 60 : 300;
        for (double t = 0; t <= seconds + 1e-9; t += step) {
            svg.line(x(t), TOP, x(t), TOP + PLOT_HEIGHT, "grid");
            svg.text(x(t), TOP + PLOT_HEIGHT + 16, "middle", String.format(Locale.ROOT, "%.0f s", t));
        }
        svg.rect(LEFT, TOP, WIDTH - LEFT - RIGHT, PLOT_HEIGHT, "frame");
    }

    /** View changes, over the points. */
    private void overlays(Svg svg) {
        for (NemesisLog.Entry v : views) {
            double x = x(v.millis() / 1000.0);
            svg.view(x, TOP, TOP + PLOT_HEIGHT, String.format(Locale.ROOT, "%.3f s: %s", v.millis() / 1000.0,
                    v.what()));
        }
    }

    private double x(double second) {
        return LEFT + (WIDTH - LEFT - RIGHT) * Math.min(second, seconds) / seconds;
    }

    /** Five grid lines from 0 to {@code top}, each labelled. */
    private static void linearAxis(Svg svg, double top, java.util.function.DoubleFunction<String> label) {
        for (int i = 0; i <= 4; i++) {
            double value = top * i / 4;
            double y = yLinear(value, top);
            svg.line(LEFT, y, WIDTH - RIGHT, y, "grid");
            svg.text(LEFT - 6, y + 4, "end", label.apply(value));
        }
    }

    private static double yLinear(double value, double top) {
        return TOP + PLOT_HEIGHT - PLOT_HEIGHT * value / top;
    }

    private static double yLog(double millis, double lowest, double decades) {
        return TOP + PLOT_HEIGHT - PLOT_HEIGHT * Math.log10(millis / lowest) / decades;
    }

    private static double niceCeiling(int value) {
        double magnitude = Math.pow(10, Math.floor(Math.log10(value)));
        for (double m : new double[] {1, 2, 2.5, 5, 10}) {
            if (m * magnitude >= value) {
                return m * magnitude;
            }
        }
        return 10 * magnitude;
    }

    /** A small SVG writer: the few elements the plots use, with classes the page's style sheet colours. */
    private static final class Svg {
        private final StringBuilder out = new StringBuilder(1 << 16);

        Svg() {
            out.append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"").append(WIDTH).append("\" height=\"")
                    .append(TOP + PLOT_HEIGHT + 26).append("\" viewBox=\"0 0 ").append(WIDTH).append(' ')
                    .append(TOP + PLOT_HEIGHT + 26).append("\">\n");
        }

        void line(double x1, double y1, double x2, double y2, String cls) {
            out.append(String.format(Locale.ROOT, "<line class=\"%s\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" "
                    + "y2=\"%.1f\"/>\n", cls, x1, y1, x2, y2));
        }

        void rect(double x, double y, double w, double h, String cls) {
            out.append(String.format(Locale.ROOT, "<rect class=\"%s\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
                    + "height=\"%.1f\"/>\n", cls, x, y, w, h));
        }

        void band(double x, double w, String fill, String title) {
            out.append(String.format(Locale.ROOT, "<rect class=\"fault\" x=\"%.1f\" y=\"%d\" width=\"%.1f\" "
                    + "height=\"%d\" fill=\"%s\"><title>%s</title></rect>\n", x, TOP, w, PLOT_HEIGHT, fill,
                    Html.escape(title)));
        }

        void view(double x, double y1, double y2, String title) {
            out.append(String.format(Locale.ROOT, "<line class=\"view\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" "
                    + "y2=\"%.1f\"><title>%s</title></line>\n", x, y1, x, y2, Html.escape(title)));
        }

        void text(double x, double y, String anchor, String text) {
            out.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\">%s</text>\n",
                    x, y, anchor, Html.escape(text)));
        }

        void polyline(String points, String colour, String title) {
            out.append("<polyline class=\"rate\" stroke=\"").append(colour).append("\" points=\"").append(points)
                    .append("\"><title>").append(Html.escape(title)).append("</title></polyline>\n");
        }

        /** One operation: a shape per kind, so that kinds can be told apart where colours overlap. */
        void point(OpKind kind, double x, double y, String colour) {
            switch (kind) {
                case PUT -> out.append(String.format(Locale.ROOT, "<rect class=\"op put\" x=\"%.1f\" y=\"%.1f\" "
                        + "width=\"3\" height=\"3\" fill=\"%s\"/>\n", x - 1.5, y - 1.5, colour));
                case DELETE -> out.append(String.format(Locale.ROOT, "<path class=\"op delete\" d=\"M%.1f %.1fl2 "
                        + "3.4h-4z\" fill=\"%s\"/>\n", x, y - 2, colour));
                case CAS -> out.append(String.format(Locale.ROOT, "<path class=\"op cas\" d=\"M%.1f %.1fl2 2l-2 "
                        + "2l-2 -2z\" fill=\"%s\"/>\n", x, y - 2, colour));
                case APPEND -> out.append(String.format(Locale.ROOT, "<path class=\"op append\" d=\"M%.1f %.1f"
                        + "h4M%.1f %.1fv4\" stroke=\"%s\"/>\n", x - 2, y, x, y - 2, colour));
                default -> out.append(String.format(Locale.ROOT, "<circle class=\"op get\" cx=\"%.1f\" cy=\"%.1f\" "
                        + "r=\"1.6\" fill=\"%s\"/>\n", x, y, colour));
            }
        }

        String close(String cls, String caption) {
            return "<figure class=\"" + cls + "\">" + out + "</svg>\n<figcaption>" + Html.escape(caption)
                    + "</figcaption></figure>\n";
        }
    }

    /** The style the plots need, for the page's head. */
    static final String CSS = """
            .plots { margin-bottom: 28px; }
            .plots svg { font: 11px sans-serif; background: #fff; }
            .plots .grid { stroke: #e4e4e4; stroke-width: 1; }
            .plots .frame { fill: none; stroke: #999; }
            .plots .fault { opacity: 0.55; }
            .plots .view { stroke: #555; stroke-width: 1; stroke-dasharray: 3 3; }
            .plots .rate { fill: none; stroke-width: 1.5; }
            .plots .plot-legend i { font-style: normal; margin-right: 18px; white-space: nowrap; }
            .plots .swatch { display: inline-block; width: 14px; height: 10px; }
            .plots table.availability td, .plots table.availability th { padding: 2px 10px; text-align: right; }
            .plots figure { margin: 0 0 16px 0; }
            .plots figcaption { font: 11px sans-serif; color: #666; }
            """;
}
