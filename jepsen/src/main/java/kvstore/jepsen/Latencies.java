package kvstore.jepsen;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Request latencies by operation and outcome, for the summary's percentiles. */
final class Latencies {
    private final Map<String, List<Long>> micros = new TreeMap<>();

    synchronized void add(String operation, String outcome, long nanos) {
        micros.computeIfAbsent(operation + " " + outcome, k -> new ArrayList<>()).add(nanos / 1000);
    }

    synchronized int count(String operation, String outcome) {
        List<Long> values = micros.get(operation + " " + outcome);
        return values == null ? 0 : values.size();
    }

    /** Acknowledged writes (put, cas, delete answered with success). */
    synchronized int okWrites() {
        return count("put", "ok") + count("cas", "ok") + count("delete", "ok");
    }

    /** Reads answered with success. */
    synchronized int okReads() {
        return count("get", "ok") + count("get-all", "ok");
    }

    synchronized int count(String outcomeSuffix) {
        return micros.entrySet().stream().filter(e -> e.getKey().endsWith(" " + outcomeSuffix))
                .mapToInt(e -> e.getValue().size()).sum();
    }

    synchronized int total() {
        return micros.values().stream().mapToInt(List::size).sum();
    }

    /** One line per operation and outcome: count, p50, p90, p99, max in milliseconds. */
    synchronized List<String> table() {
        List<String> lines = new ArrayList<>();
        lines.add(String.format("%-16s %7s %9s %9s %9s %9s", "operation", "count", "p50 ms", "p90 ms", "p99 ms",
                "max ms"));
        micros.forEach((name, values) -> {
            long[] sorted = values.stream().mapToLong(Long::longValue).toArray();
            Arrays.sort(sorted);
            lines.add(String.format("%-16s %7d %9.2f %9.2f %9.2f %9.2f", name, sorted.length,
                    percentile(sorted, 0.50), percentile(sorted, 0.90), percentile(sorted, 0.99),
                    sorted[sorted.length - 1] / 1000.0));
        });
        return lines;
    }

    private static double percentile(long[] sorted, double p) {
        int index = (int) Math.ceil(p * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, index))] / 1000.0;
    }
}
