package kvstore.jepsen;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.LongSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Scrapes every node's {@code /metrics} during a run, as Prometheus would, for the curves the report draws beside
 * the history: the view epoch each node holds, and the replication lag each primary reports for its backups. A
 * node that does not answer (killed, paused) leaves a gap.
 */
final class MetricsScraper implements AutoCloseable {
    static final Duration EVERY = Duration.ofMillis(250);
    private static final Pattern LINE = Pattern.compile(
            "^(kv_view_epoch|kv_replication_lag_seconds)\\{([^}]*)} (\\S+)$", Pattern.MULTILINE);
    private static final Pattern LABEL = Pattern.compile("(\\w+)=\"([^\"]*)\"");

    /** A value at a time (nanoseconds since the run started). */
    record Sample(long nanos, double value) {
    }

    /**
     * The scraped curves, by series: the epoch by node ("node 2"), the lag in seconds by primary and backup
     * ("1 to 2"). The samples of each series are in time order.
     */
    record Curves(Map<String, List<Sample>> epochs, Map<String, List<Sample>> lag) {
        static final Curves NONE = new Curves(Map.of(), Map.of());

        boolean isEmpty() {
            return epochs.isEmpty() && lag.isEmpty();
        }
    }

    private final Curves curves = new Curves(new TreeMap<>(), new TreeMap<>());
    private final List<Thread> threads = new ArrayList<>();
    private volatile boolean stopped;

    /** Starts scraping each node every {@link #EVERY}, on a thread per node (a paused one holds up only its own). */
    MetricsScraper(Collection<NodeProcess> nodes, NodeApi api, LongSupplier clock) {
        for (NodeProcess node : nodes) {
            threads.add(Thread.ofVirtual().name("scrape-node-" + node.id()).start(() -> {
                while (!stopped) {
                    long at = clock.getAsLong();
                    String text = api.metrics(node.address(), EVERY.multipliedBy(4));
                    if (text != null) {
                        add(at, text);
                    }
                    try {
                        Thread.sleep(EVERY);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }));
        }
    }

    /** Adds one scrape's values, taken at {@code nanos}. */
    void add(long nanos, String text) {
        Matcher m = LINE.matcher(text);
        while (m.find()) {
            Map<String, String> labels = new TreeMap<>();
            Matcher l = LABEL.matcher(m.group(2));
            while (l.find()) {
                labels.put(l.group(1), l.group(2));
            }
            double value;
            try {
                value = Double.parseDouble(m.group(3));
            } catch (NumberFormatException e) {
                continue;
            }
            synchronized (curves) {
                if (m.group(1).equals("kv_view_epoch")) {
                    curves.epochs().computeIfAbsent("node " + labels.get("node"), k -> new ArrayList<>())
                            .add(new Sample(nanos, value));
                } else {
                    curves.lag().computeIfAbsent(labels.get("node") + " to " + labels.get("backup"),
                            k -> new ArrayList<>()).add(new Sample(nanos, value));
                }
            }
        }
    }

    /** What was scraped so far. */
    Curves curves() {
        synchronized (curves) {
            Map<String, List<Sample>> epochs = new TreeMap<>();
            curves.epochs().forEach((k, v) -> epochs.put(k, sorted(v)));
            Map<String, List<Sample>> lag = new TreeMap<>();
            curves.lag().forEach((k, v) -> lag.put(k, sorted(v)));
            return new Curves(epochs, lag);
        }
    }

    private static List<Sample> sorted(List<Sample> samples) {
        List<Sample> copy = new ArrayList<>(samples);
        copy.sort(java.util.Comparator.comparingLong(Sample::nanos));
        return List.copyOf(copy);
    }

    @Override
    public void close() {
        stopped = true;
        threads.forEach(Thread::interrupt);
    }
}
