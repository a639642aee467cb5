package kvstore.jepsen.load;

import kvstore.client.KvClient;
import kvstore.client.KvException;
import kvstore.node.cli.Args;
import kvstore.node.http.HttpConnection;
import kvstore.node.http.HttpResponseReader;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code ./kv load}: N concurrent clients, each on its own persistent connection to one of the endpoints (in turn),
 * or all through one client library ({@code --via library}), doing reads and writes on random keys of a key space,
 * as fast as answers come back (a closed loop). The key
 * space is written once first; then a warm-up; then the measured interval. Prints operations per second and
 * latency percentiles, and a {@code RESULT} line for scripts.
 */
public final class LoadGenerator {
    static final String USAGE = """
            usage: ./kv load --target kvstore|etcd --endpoints host:port[,host:port...] [--clients 16]
                             [--reads 50] [--keys 1000] [--value-size 100] [--seconds 10] [--warmup 3]
                             [--via raw|library]
              --via library  (kvstore only) through the client library, as an application would: to the
                             primary, with its retries and Idempotency-Keys; raw (default): each client on a
                             connection of its own to one endpoint, the same requests for kvstore and etcd
            """;

    /** @param library through the client library (one shared, as an application has), not raw connections */
    record Settings(Target target, String targetName, List<String> endpoints, int clients, int readPercent,
                    int keys, int valueSize, double seconds, double warmup, boolean library) {
    }

    record Result(double opsPerSecond, double p50Millis, double p99Millis, double p999Millis, long errors,
                  long operations) {
    }

    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private LoadGenerator() {
    }

    public static void main(String[] argv) throws Exception {
        Settings s;
        try {
            s = parse(argv);
        } catch (Args.UsageError | IllegalArgumentException e) { // the latter: an unknown --target
            System.err.println("kv load: " + e.getMessage());
            System.err.print(USAGE);
            System.exit(2);
            return;
        }
        Result r = run(s);
        System.out.printf("%-8s clients=%-3d reads=%d%%  %,.0f ops/s  p50 %.2f ms  p99 %.2f ms  p99.9 %.2f ms"
                        + "  errors %d%n", s.targetName(), s.clients(), s.readPercent(), r.opsPerSecond(),
                r.p50Millis(), r.p99Millis(), r.p999Millis(), r.errors());
        System.out.printf("RESULT %s %d %d %.0f %.3f %.3f %.3f %d%n", s.targetName(), s.clients(), s.readPercent(),
                r.opsPerSecond(), r.p50Millis(), r.p99Millis(), r.p999Millis(), r.errors());
    }

    static Result run(Settings s) throws InterruptedException {
        String value = "v".repeat(s.valueSize());
        preload(s, value);
        long warmupEnd = System.nanoTime() + (long) (s.warmup() * 1e9);
        long end = warmupEnd + (long) (s.seconds() * 1e9);
        AtomicLong errors = new AtomicLong();
        long[][] latencies = new long[s.clients()][];
        CountDownLatch done = new CountDownLatch(s.clients());
        try (KvClient library = s.library() ? KvClient.builder().nodes(s.endpoints().toArray(String[]::new))
                .requestTimeout(TIMEOUT).build() : null) {
            for (int c = 0; c < s.clients(); c++) {
                int client = c;
                Thread.ofVirtual().start(() -> {
                    try (Operations operations = library != null ? new ThroughLibrary(library)
                            : new OverConnection(s.target(), s.endpoints().get(client % s.endpoints().size()))) {
                        latencies[client] = loop(s, client, operations, value, warmupEnd, end, errors);
                    } finally {
                        if (latencies[client] == null) { // the client failed: say so, and count what others did
                            errors.incrementAndGet();
                            latencies[client] = new long[0];
                        }
                        done.countDown();
                    }
                });
            }
            done.await();
        }
        long[] all = Arrays.stream(latencies).flatMapToLong(Arrays::stream).sorted().toArray();
        if (all.length == 0) {
            return new Result(0, 0, 0, 0, errors.get(), 0);
        }
        return new Result(all.length / s.seconds(), pct(all, 0.50), pct(all, 0.99), pct(all, 0.999), errors.get(),
                all.length);
    }

    /** One client's closed loop; returns the latencies (ns) of what completed in the measured interval. */
    private static long[] loop(Settings s, int client, Operations operations, String value, long warmupEnd,
                               long end, AtomicLong errors) {
        SplittableRandom random = new SplittableRandom(client * 7919L + 1);
        long[] out = new long[1 << 14];
        int n = 0;
        while (true) {
            long start = System.nanoTime();
            if (start >= end) {
                break;
            }
            boolean read = random.nextInt(100) < s.readPercent();
            String key = "k" + random.nextInt(s.keys());
            boolean ok = read ? operations.read(key) : operations.write(key, value);
            long stop = System.nanoTime();
            if (start >= warmupEnd && stop <= end) {
                if (!ok) {
                    errors.incrementAndGet();
                } else {
                    if (n == out.length) {
                        out = Arrays.copyOf(out, n * 2);
                    }
                    out[n++] = stop - start;
                }
            }
        }
        return Arrays.copyOf(out, n);
    }

    /** One load client's way to the store: each operation answers whether it succeeded. */
    private interface Operations extends AutoCloseable {
        boolean read(String key);

        boolean write(String key, String value);

        @Override
        void close();
    }

    /** A persistent connection of its own, speaking the target's requests: the same tool for kvstore and etcd. */
    private static final class OverConnection implements Operations {
        private final Target target;
        private final HttpConnection connection;

        OverConnection(Target target, String endpoint) {
            this.target = target;
            this.connection = new HttpConnection(endpoint, TIMEOUT);
        }

        @Override
        public boolean read(String key) {
            return send(true, target.read(key));
        }

        @Override
        public boolean write(String key, String value) {
            return send(false, target.write(key, value));
        }

        private boolean send(boolean read, Target.Request request) {
            try {
                HttpResponseReader.Response r = connection.send(request.method(), request.path(), request.headers(),
                        request.body());
                return target.ok(read, r.status());
            } catch (IOException e) {
                return false;
            }
        }

        @Override
        public void close() {
            connection.close();
        }
    }

    /** The client library, shared by every load client as an application's threads share it. */
    private record ThroughLibrary(KvClient kv) implements Operations {
        @Override
        public boolean read(String key) {
            try {
                kv.get(key);
                return true;
            } catch (KvException e) {
                return false;
            }
        }

        @Override
        public boolean write(String key, String value) {
            try {
                kv.put(key, value);
                return true;
            } catch (KvException e) {
                return false;
            }
        }

        @Override
        public void close() {
            // shared: closed once the run ends
        }
    }

    /** Writes every key once, so that reads find values (a 404 would be cheaper than a real read). */
    private static void preload(Settings s, String value) throws InterruptedException {
        int workers = Math.min(16, s.clients() * s.endpoints().size());
        CountDownLatch done = new CountDownLatch(workers);
        for (int w = 0; w < workers; w++) {
            int worker = w;
            Thread.ofVirtual().start(() -> {
                try (HttpConnection c = new HttpConnection(
                        s.endpoints().get(worker % s.endpoints().size()), TIMEOUT)) {
                    for (int k = worker; k < s.keys(); k += workers) {
                        Target.Request r = s.target().write("k" + k, value);
                        c.send(r.method(), r.path(), r.headers(), r.body());
                    }
                } catch (IOException e) {
                    System.err.println("preload: " + e.getMessage());
                } finally {
                    done.countDown();
                }
            });
        }
        done.await();
    }

    private static double pct(long[] sorted, double p) {
        int index = (int) Math.ceil(p * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, index))] / 1e6;
    }

    static Settings parse(String[] argv) {
        Args a = new Args(argv, Set.of("--target", "--endpoints", "--clients", "--reads", "--keys", "--value-size",
                "--seconds", "--warmup", "--via"), Set.of());
        String target = a.get("--target", "kvstore");
        String via = a.get("--via", "raw");
        if (!via.equals("raw") && !via.equals("library")) {
            throw new Args.UsageError("--via is raw or library, not '" + via + "'");
        }
        if (via.equals("library") && !target.equals("kvstore")) {
            throw new Args.UsageError("--via library is kvstore's client library: --target kvstore only");
        }
        String endpoints = a.get("--endpoints", null);
        if (endpoints == null) {
            throw new Args.UsageError("--endpoints is required");
        }
        int reads = (int) a.atLeast("--reads", "50", 0);
        if (reads > 100) {
            throw new Args.UsageError("--reads is a percentage, 0 to 100");
        }
        return new Settings(Target.named(target), via.equals("library") ? "kvstore-library" : target,
                new ArrayList<>(List.of(endpoints.split(","))),
                (int) a.positive("--clients", "16"), reads, (int) a.positive("--keys", "1000"),
                (int) a.positive("--value-size", "100"), a.positive("--seconds", "10"),
                a.atLeast("--warmup", "3", 0), via.equals("library"));
    }
}
