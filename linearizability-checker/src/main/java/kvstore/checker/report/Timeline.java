package kvstore.checker.report;

import kvstore.checker.explain.OperationText;
import kvstore.checker.history.Annotation;
import kvstore.checker.history.Event;
import kvstore.checker.history.Operation;
import kvstore.checker.history.Outcome;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/** One key's operations as an SVG: a lane per process, a bar per operation from its call to its return. */
final class Timeline {
    private static final int MAX_OPS = 600;
    private static final int LANE = 26;
    private static final int LEFT = 90;
    private static final int TOP = 24;
    private static final int OPEN_END = 24; // how far past the window an unknown-outcome bar runs

    private final List<Operation> ops;
    private final Set<Integer> core;
    private final Operation culprit;
    private final int cut;
    private final List<Annotation> annotations;
    private final int from;
    private final int to;
    private final int omitted;

    private Timeline(List<Operation> ops, Set<Integer> core, Operation culprit, int cut, List<Annotation> annotations,
                     int from, int to, int omitted) {
        this.ops = ops;
        this.core = core;
        this.culprit = culprit;
        this.cut = cut;
        this.annotations = annotations;
        this.from = from;
        this.to = to;
        this.omitted = omitted;
    }

    /** All of a key's operations. */
    static Timeline of(List<Operation> ops, Set<Integer> core, Operation culprit, int cut,
                       List<Annotation> annotations) {
        int from = Integer.MAX_VALUE;
        int to = 0;
        for (Operation op : ops) {
            from = Math.min(from, op.call());
            to = Math.max(to, op.isOpenEnded() ? op.call() : op.ret());
        }
        return window(ops, core, culprit, cut, annotations, from == Integer.MAX_VALUE ? 0 : from, to);
    }

    /** The stretch of time around a violation: from the first operation of its core to just past the culprit. */
    static Timeline around(List<Operation> ops, Set<Integer> core, Operation culprit, int cut,
                           List<Annotation> annotations) {
        if (culprit == null || core.isEmpty()) {
            return of(ops, core, culprit, cut, annotations);
        }
        int from = culprit.call();
        int to = culprit.ret();
        for (Operation op : ops) {
            if (core.contains(op.id())) {
                from = Math.min(from, op.call());
                to = Math.max(to, op.isOpenEnded() ? op.call() : op.ret());
            }
        }
        int pad = Math.max(4, (to - from) / 10);
        return window(ops, core, culprit, cut, annotations, Math.max(0, from - pad), to + pad);
    }

    private static Timeline window(List<Operation> ops, Set<Integer> core, Operation culprit, int cut,
                                   List<Annotation> annotations, int from, int to) {
        List<Operation> shown = new ArrayList<>();
        for (Operation op : ops) {
            if (op.call() <= to && op.ret() >= from) {
                shown.add(op);
            }
        }
        int omitted = 0;
        if (shown.size() > MAX_OPS) { // keep the violation and what overlaps the culprit; drop the rest
            List<Operation> kept = new ArrayList<>();
            for (Operation op : shown) {
                boolean overlapsCulprit = culprit != null && op.call() <= culprit.ret() && op.ret() >= culprit.call();
                if (core.contains(op.id()) || (overlapsCulprit && kept.size() < MAX_OPS)) {
                    kept.add(op);
                }
            }
            if (kept.isEmpty()) {
                kept = shown.subList(0, MAX_OPS);
            }
            omitted = shown.size() - kept.size();
            shown = kept;
        }
        return new Timeline(shown, core, culprit, cut, annotations, from, to, omitted);
    }

    void render(StringBuilder out) {
        Map<String, Integer> lanes = lanes();
        int span = Math.max(1, to - from + 1);
        double scale = Math.max(6, Math.min(40, 1600.0 / span));
        int width = LEFT + (int) Math.ceil(span * scale) + OPEN_END + 20;
        int height = TOP + lanes.size() * LANE + 10;
        out.append("<div class=\"timeline\"><svg xmlns=\"http://www.w3.org/2000/svg\" width=\"").append(width)
                .append("\" height=\"").append(height).append("\">\n");
        for (Map.Entry<String, Integer> lane : lanes.entrySet()) {
            int y = TOP + lane.getValue() * LANE;
            out.append("<rect class=\"lane\" x=\"0\" y=\"").append(y).append("\" width=\"").append(width)
                    .append("\" height=\"").append(LANE - 2).append("\"/>")
                    .append("<text class=\"lanelabel\" x=\"6\" y=\"").append(y + 16).append("\">process ")
                    .append(Html.escape(lane.getKey())).append("</text>\n");
        }
        if (cut >= from && cut <= to) {
            double x = x(cut, scale);
            out.append("<rect class=\"after\" x=\"").append(fmt(x)).append("\" y=\"").append(TOP)
                    .append("\" width=\"").append(fmt(width - x)).append("\" height=\"")
                    .append(lanes.size() * LANE).append("\"/>")
                    .append("<line class=\"cut\" x1=\"").append(fmt(x)).append("\" x2=\"").append(fmt(x))
                    .append("\" y1=\"4\" y2=\"").append(height).append("\"><title>")
                    .append("events before t").append(cut).append(" can be linearized; t").append(cut)
                    .append(" cannot</title></line>")
                    .append("<text x=\"").append(fmt(x + 4)).append("\" y=\"14\" fill=\"#cf222e\">t").append(cut)
                    .append(": first impossible event</text>\n");
        }
        for (Annotation a : annotations) {
            if (a.position() >= from && a.position() <= to) {
                double x = x(a.position(), scale) - scale / 2;
                out.append("<line class=\"annotation\" x1=\"").append(fmt(x)).append("\" x2=\"").append(fmt(x))
                        .append("\" y1=\"").append(TOP).append("\" y2=\"").append(height).append("\"><title>")
                        .append(Html.escape(a.text())).append(a.line() > 0 ? " (line " + a.line() + ")" : "")
                        .append("</title></line>\n");
            }
        }
        for (Operation op : ops) {
            bar(out, op, lanes.get(op.process()), scale, width);
        }
        out.append("</svg></div>\n");
        if (omitted > 0) {
            out.append("<p>").append(omitted).append(" operations of this stretch are not drawn.</p>\n");
        }
    }

    private void bar(StringBuilder out, Operation op, int lane, double scale, int width) {
        double x1 = Math.max(LEFT - 4, x(op.call(), scale) - scale * 0.4);
        double x2 = op.isOpenEnded() || op.ret() > to ? width - 8 : x(op.ret(), scale) + scale * 0.4;
        int y = TOP + lane * LANE + 3;
        StringBuilder cls = new StringBuilder("op ");
        cls.append(switch (op.kind()) {
            case GET -> "read";
            case CAS -> "cas";
            default -> "write";
        });
        if (op.outcome() == Outcome.FAIL) {
            cls.append(" fail");
        }
        if (op.outcome() == Outcome.INFO) {
            cls.append(" info");
        }
        if (core.contains(op.id())) {
            cls.append(" core");
        }
        if (culprit != null && culprit.id() == op.id()) {
            cls.append(" culprit");
        }
        out.append("<g class=\"").append(cls).append("\"><title>").append(Html.escape(details(op)))
                .append("</title><rect x=\"").append(fmt(x1)).append("\" y=\"").append(y).append("\" width=\"")
                .append(fmt(Math.max(3, x2 - x1))).append("\" height=\"").append(LANE - 8)
                .append("\" rx=\"3\"/>");
        String label = label(op);
        if ((x2 - x1) > label.length() * 6.6 + 6) {
            out.append("<text x=\"").append(fmt(x1 + 4)).append("\" y=\"").append(y + 13).append("\">")
                    .append(Html.escape(label)).append("</text>");
        }
        out.append("</g>\n");
    }

    private static String details(Operation op) {
        StringBuilder s = new StringBuilder(OperationText.describe(op));
        s.append("\noutcome: ").append(op.outcome().name().toLowerCase(Locale.ROOT));
        if (op.callLine() > 0) {
            s.append("\nlines ").append(op.callLine()).append(op.retLine() > 0 ? "–" + op.retLine() : "");
        }
        if (op.callTime() != Event.NO_TIME) {
            s.append("\ntime ").append(op.callTime()).append(" ns");
            if (op.retTime() != Event.NO_TIME) {
                s.append(" – ").append(op.retTime()).append(" ns (")
                        .append(String.format(Locale.ROOT, "%.3f ms", (op.retTime() - op.callTime()) / 1e6))
                        .append(')');
            }
        }
        return s.toString();
    }

    private static String label(Operation op) {
        String mark = switch (op.outcome()) {
            case OK -> "";
            case FAIL -> " ✗";
            case INFO -> " ?";
        };
        return switch (op.kind()) {
            case GET -> "get " + (op.outcome() == Outcome.OK ? OperationText.value(op.value()) : "") + mark;
            case PUT -> "put " + OperationText.value(op.value()) + mark;
            case DELETE -> "delete" + mark;
            case APPEND -> "append " + OperationText.value(op.value()) + mark;
            case CAS -> "cas " + OperationText.value(op.expected()) + "→" + OperationText.value(op.value()) + mark;
        };
    }

    private Map<String, Integer> lanes() {
        TreeSet<String> processes = new TreeSet<>(Comparator.comparing((String p) -> !isNumber(p))
                .thenComparing(p -> isNumber(p) ? p.length() : 0).thenComparing(Comparator.naturalOrder()));
        for (Operation op : ops) {
            processes.add(op.process());
        }
        Map<String, Integer> lanes = new LinkedHashMap<>();
        for (String p : processes) {
            lanes.put(p, lanes.size());
        }
        return lanes;
    }

    private static boolean isNumber(String s) {
        return !s.isEmpty() && s.chars().allMatch(Character::isDigit);
    }

    private double x(int position, double scale) {
        return LEFT + (position - from + 0.5) * scale;
    }

    private static String fmt(double v) {
        return String.format(Locale.ROOT, "%.1f", v);
    }
}
