package kvstore.node.server;

import io.helidon.health.HealthCheckResponse;
import io.helidon.health.HealthCheckType;
import io.helidon.metrics.api.Counter;
import io.helidon.metrics.api.FunctionalCounter;
import io.helidon.metrics.api.Gauge;
import io.helidon.metrics.api.MeterRegistry;
import io.helidon.metrics.api.MetricsFactory;
import io.helidon.metrics.api.Tag;
import io.helidon.metrics.api.Timer;
import io.helidon.webserver.observe.ObserveFeature;
import io.helidon.webserver.observe.health.HealthObserver;
import io.helidon.webserver.observe.metrics.MetricsObserver;
import kvstore.core.NodeState;
import kvstore.core.storage.Snapshots;
import kvstore.core.storage.WriteAheadLog;

import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;

/**
 * A node's {@code /metrics} (Prometheus text) and {@code /health/live}, {@code /health/ready}, served by Helidon's
 * own observers (docs/api.md, "Metrics and health"). Meters live in Helidon's global registry (a registry per node
 * made Helidon 4.5 warn of unknown meters and deadlock when a server stopped), each tagged with the node's id, so
 * that nodes sharing a JVM (the tests) keep their own, and removed when the node closes.
 *
 * <p>A sampler thread reads the core's state every {@link #SAMPLE_EVERY} (a turn of the core's loop each) and the
 * data directory's sizes every second; gauges and the readiness check only read the last sample. So a scrape never
 * waits on the core, and the meters a new backup needs are registered by the sampler, never from inside a scrape
 * or the core's loop (either could then wait on the other).
 */
final class NodeObservability {
    static final Duration SAMPLE_EVERY = Duration.ofMillis(200);
    private static final int DISK_EVERY_SAMPLES = 5;
    /** Operation times, from 0.5 ms to 10 s: an acknowledged write on loopback takes about a millisecond. */
    private static final Duration[] BUCKETS = java.util.stream.Stream.of(0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 50.0,
            100.0, 200.0, 500.0, 1000.0, 2000.0, 5000.0, 10000.0)
            .map(ms -> Duration.ofNanos((long) (ms * 1e6))).toArray(Duration[]::new);

    private final ReplicaHost host;
    private final String self;
    private final Tag nodeTag;
    private final Duration tick;
    private final java.nio.file.Path dataDir; // null: the node keeps nothing on disk
    private final java.util.Set<io.helidon.metrics.api.Meter> meters =
            java.util.concurrent.ConcurrentHashMap.newKeySet();
    private final java.util.Map<String, Counter> counters = new java.util.concurrent.ConcurrentHashMap<>();
    private final java.util.Map<String, Timer> timers = new java.util.concurrent.ConcurrentHashMap<>();
    private final java.util.Set<String> backupsSeen = new java.util.HashSet<>(); // the sampler's own
    /** Held while a meter is created, and by close: none is created once the node's meters are removed. */
    private final Object registering = new Object();
    private final MeterRegistry registry;
    private final Thread sampler;
    private volatile ReplicaHost.Status last;
    private volatile long logBytes;
    private volatile long snapshotBytes;
    private volatile boolean closed;

    NodeObservability(ReplicaHost host, long nodeId, Duration tick, java.nio.file.Path dataDir) {
        this.host = host;
        this.self = String.valueOf(nodeId);
        this.tick = tick;
        this.dataDir = dataDir;
        this.registry = MetricsFactory.getInstance().globalRegistry();
        this.nodeTag = Tag.create("node", self);
        gauge("kv.view.epoch", "the number of the view the node holds (0: none)",
                () -> state() == null || state().view() == null ? 0 : state().view().number());
        for (String role : List.of("primary", "backup", "none")) {
            meters.add(registry.getOrCreate(Gauge.builder("kv.role", () -> role.equals(role()) ? 1 : 0)
                    .description("1 for the node's role in its view: primary, backup, or none (in no view)")
                    .tags(List.of(nodeTag, Tag.create("role", role)))));
        }
        gauge("kv.synced", "1 if the node holds its view's state (a backup that was sent it, or the primary)",
                () -> state() != null && state().synced() ? 1 : 0);
        gauge("kv.fenced", "1 if the node promised a controller a newer view and serves no longer",
                () -> state() != null && state().fenced() ? 1 : 0);
        gauge("kv.applied.position", "the position in the order of operations the node has applied",
                () -> state() == null ? 0 : state().applied());
        gauge("kv.backups.lagging", "backups the primary reports lagging (0 on a backup)",
                () -> state() == null ? 0 : state().laggingBackups().size());
        gauge("kv.backups.catching.up", "backups the primary is bringing up to date (state transfer or log suffix)",
                () -> state() == null ? 0 : state().catchingUp().size());
        meters.add(registry.getOrCreate(FunctionalCounter.builder("kv.state.transfer.bytes", host,
                        ReplicaHost::stateTransferBytes)
                .description("about how many bytes of state the node has sent to catch backups up")
                .tags(List.of(nodeTag))));
        if (dataDir != null) {
            gauge("kv.log.bytes", "bytes of write-ahead log segments in the data directory", () -> logBytes);
            gauge("kv.snapshot.bytes", "bytes of snapshots in the data directory", () -> snapshotBytes);
        }
        this.sampler = Thread.ofVirtual().name("metrics-sampler-" + self).start(this::sample);
    }

    /** Until closed: the core's state every {@link #SAMPLE_EVERY}, and the data directory's sizes every second. */
    private void sample() {
        for (long n = 0; !closed; n++) {
            try {
                last = host.status();
                registerBackups(last);
                if (dataDir != null && n % DISK_EVERY_SAMPLES == 0) {
                    measureDataDir();
                }
                if (!pause()) {
                    return;
                }
            } catch (ApiError stopping) {
                return; // the node is shutting down
            } catch (RuntimeException e) { // a meter that would not register: the others go on
                System.getLogger(NodeObservability.class.getName()).log(System.Logger.Level.WARNING,
                        "sampling the node's state for its metrics failed", e);
                if (!pause()) {
                    return;
                }
            }
        }
    }

    /** Waits until the next sample; false once closed. */
    private static boolean pause() {
        try {
            Thread.sleep(SAMPLE_EVERY);
            return true;
        } catch (InterruptedException e) {
            return false;
        }
    }

    /** Each backup this node has led gets its lag gauges, once; they read NaN while it is not a backup of ours. */
    private void registerBackups(ReplicaHost.Status status) {
        for (kvstore.core.BackupLag lag : status.lag()) {
            String backup = lag.backup();
            if (!backupsSeen.contains(backup)) {
                synchronized (registering) {
                    if (closed) {
                        return;
                    }
                    List<Tag> tags = List.of(nodeTag, Tag.create("backup", backup));
                    meters.add(registry.getOrCreate(Gauge.builder("kv.replication.lag.entries",
                                    () -> lagOf(backup).map(l -> (double) l.entries()).orElse(Double.NaN))
                            .description("as the primary: operations this backup has not acknowledged (all of "
                                    + "them while it waits for the state)").tags(tags)));
                    meters.add(registry.getOrCreate(Gauge.builder("kv.replication.lag.seconds",
                                    () -> lagOf(backup).map(l -> l.ticks() * tick.toNanos() / 1e9)
                                            .orElse(Double.NaN))
                            .description("as the primary: how long the oldest operation this backup has not "
                                    + "acknowledged has waited").tags(tags)));
                }
                backupsSeen.add(backup); // only once both are registered: a failure is tried again
            }
        }
    }

    private java.util.Optional<kvstore.core.BackupLag> lagOf(String backup) {
        ReplicaHost.Status s = last;
        return s == null ? java.util.Optional.empty()
                : s.lag().stream().filter(l -> l.backup().equals(backup)).findFirst();
    }

    private void measureDataDir() {
        long log = 0;
        long snapshots = 0;
        try (java.util.stream.Stream<java.nio.file.Path> files = java.nio.file.Files.list(dataDir)) {
            for (java.nio.file.Path f : (Iterable<java.nio.file.Path>) files::iterator) {
                String name = f.getFileName().toString();
                if (WriteAheadLog.isSegment(name)) {
                    log += sizeOf(f);
                } else if (Snapshots.isSnapshot(name)) {
                    snapshots += sizeOf(f);
                }
            }
        } catch (java.io.IOException | java.io.UncheckedIOException e) {
            return; // keep the last figures; the disk's own errors are reported where it is written
        }
        logBytes = log;
        snapshotBytes = snapshots;
    }

    private static long sizeOf(java.nio.file.Path f) {
        try {
            return java.nio.file.Files.size(f);
        } catch (java.io.IOException e) {
            return 0; // deleted meanwhile (a segment truncated away)
        }
    }

    private void gauge(String name, String description, Supplier<Number> value) {
        meters.add(registry.getOrCreate(Gauge.builder(name, () -> value.get().doubleValue())
                .description(description).tags(List.of(nodeTag))));
    }

    /** Stops sampling and removes this node's meters: a node started again in the same JVM registers its own. */
    void close() {
        closed = true;
        sampler.interrupt();
        try {
            sampler.join(java.time.Duration.ofSeconds(2)); // it may be registering a backup's meters right now
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        synchronized (registering) {
            removeMeters();
        }
    }

    private void removeMeters() {
        for (io.helidon.metrics.api.Meter m : meters) {
            registry.remove(m);
        }
        meters.clear();
    }

    /** Counts a request by method, route (not the key) and status. */
    void requestDone(String requestMethod, String path, int status) {
        String method = METHODS.contains(requestMethod) ? requestMethod : "other"; // a label per token: unbounded
        Counter counter = meter(counters, method + ' ' + route(path) + ' ' + status,
                () -> Counter.builder("kv.requests").description("requests answered")
                        .tags(List.of(nodeTag, Tag.create("method", method), Tag.create("route", route(path)),
                                Tag.create("status", String.valueOf(status)))));
        if (counter != null) {
            counter.increment();
        }
    }

    /** Records an operation's time, by kind and outcome, in a histogram (Prometheus buckets). */
    void operationDone(kvstore.core.Command.Kind kind, String outcome, long nanos) {
        String op = kind.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
        Timer timer = meter(timers, op + ' ' + outcome, () -> Timer.builder("kv.operation.duration")
                .description("from handing an operation to the core to its answer, by kind and outcome")
                .buckets(BUCKETS)
                .percentiles(new double[0]) // none: Helidon's default quantiles are not valid in a histogram
                .tags(List.of(nodeTag, Tag.create("op", op), Tag.create("outcome", outcome))));
        if (timer != null) {
            timer.record(nanos, java.util.concurrent.TimeUnit.NANOSECONDS);
        }
    }

    /**
     * The meter cached under {@code key}, created on first use: looked up in a map of its own first (the registry's
     * lookup, on every request, cost this store a measurable share of its writes per second), created under the
     * lock close takes. Null once the node closed (a request answered as it closes): its meters are gone, and must
     * stay so.
     */
    private <B extends io.helidon.metrics.api.Meter.Builder<B, M>, M extends io.helidon.metrics.api.Meter> M meter(
            java.util.Map<String, M> cache, String key, Supplier<B> builder) {
        M meter = cache.get(key);
        if (meter != null || closed) {
            return closed ? null : meter;
        }
        synchronized (registering) {
            if (closed) {
                return null;
            }
            return cache.computeIfAbsent(key, k -> {
                M created = registry.getOrCreate(builder.get());
                meters.add(created);
                return created;
            });
        }
    }

    private static final java.util.Set<String> METHODS = java.util.Set.of("GET", "PUT", "POST", "DELETE", "HEAD",
            "OPTIONS", "PATCH", "TRACE", "CONNECT");

    /** The route a path took, with keys left out (a label per key would grow without bound). */
    static String route(String path) {
        if (path.startsWith("/data/")) {
            return "/data/{key}";
        }
        return switch (path) {
            case "/data", "/view", "/view/state", "/ping", "/internal/messages", "/metrics", "/health/live",
                 "/health/ready", "/health" -> path;
            default -> "other";
        };
    }

    /** Whether {@code path} is the observers' (served by {@link #feature()}, not by the node's routes). */
    static boolean observes(String path) {
        return path.equals("/metrics") || path.startsWith("/metrics/") || path.equals("/health")
                || path.startsWith("/health/");
    }

    ObserveFeature feature() {
        HealthObserver health = HealthObserver.builder()
                .details(true)
                .addCheck(() -> HealthCheckResponse.builder().status(true).build(), HealthCheckType.LIVENESS,
                        "serving")
                .addCheck(this::readiness, HealthCheckType.READINESS, "in-view-and-synced")
                .build();
        MetricsObserver metrics = MetricsObserver.builder().meterRegistry(registry).build();
        return ObserveFeature.builder().endpoint("/").addObserver(health).addObserver(metrics).build();
    }

    /** Ready: a member of a view, holding its state, and not fenced by a controller's newer view. */
    private HealthCheckResponse readiness() {
        ReplicaHost.Status sample = last; // one sample for the whole answer
        NodeState s = sample == null ? null : sample.state();
        String role = role(sample);
        boolean ready = s != null && !role.equals("none") && s.synced() && !s.fenced();
        return HealthCheckResponse.builder().status(ready)
                .detail("view", s == null || s.view() == null ? "none" : String.valueOf(s.view().number()))
                .detail("role", role)
                .detail("synced", s != null && s.synced())
                .detail("fenced", s != null && s.fenced())
                .build();
    }

    /** primary, backup, or none: in no view, or in one that does not name this node. */
    private String role() {
        return role(last);
    }

    private String role(ReplicaHost.Status status) {
        if (status == null || status.state().view() == null || !status.state().view().members().contains(self)) {
            return "none";
        }
        return status.primary() ? "primary" : "backup";
    }

    private NodeState state() {
        ReplicaHost.Status status = last;
        return status == null ? null : status.state();
    }
}
