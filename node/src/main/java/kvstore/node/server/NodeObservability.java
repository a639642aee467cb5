package kvstore.node.server;

import io.helidon.health.HealthCheckResponse;
import io.helidon.health.HealthCheckType;
import io.helidon.metrics.api.Counter;
import io.helidon.metrics.api.Gauge;
import io.helidon.metrics.api.MeterRegistry;
import io.helidon.metrics.api.MetricsFactory;
import io.helidon.metrics.api.Tag;
import io.helidon.webserver.observe.ObserveFeature;
import io.helidon.webserver.observe.health.HealthObserver;
import io.helidon.webserver.observe.metrics.MetricsObserver;
import kvstore.core.NodeState;

import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;

/**
 * A node's {@code /metrics} (Prometheus text) and {@code /health/live}, {@code /health/ready}, served by Helidon's
 * own observers (docs/api.md, "Metrics and health"). Meters live in Helidon's global registry (a registry per node
 * made Helidon 4.5 warn of unknown meters and deadlock when a server stopped), each tagged with the node's id, so
 * that nodes sharing a JVM (the tests) keep their own, and removed when the node closes. The core's state is read
 * at most every {@link #STATE_AT_MOST_EVERY}: each gauge asks, and each answer is a turn of the core's loop.
 */
final class NodeObservability {
    static final Duration STATE_AT_MOST_EVERY = Duration.ofMillis(200);

    private final ReplicaHost host;
    private final String self;
    private final Tag nodeTag;
    private final java.util.Set<io.helidon.metrics.api.Meter> meters =
            java.util.concurrent.ConcurrentHashMap.newKeySet();
    private final java.util.Map<String, Counter> counters = new java.util.concurrent.ConcurrentHashMap<>();
    private final MeterRegistry registry;
    private volatile Snapshot last = new Snapshot(0, null);
    private volatile boolean closed;

    private record Snapshot(long atNanos, ReplicaHost.Status status) {
    }

    NodeObservability(ReplicaHost host, long nodeId) {
        this.host = host;
        this.self = String.valueOf(nodeId);
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
    }

    private void gauge(String name, String description, Supplier<Number> value) {
        meters.add(registry.getOrCreate(Gauge.builder(name, () -> value.get().doubleValue())
                .description(description).tags(List.of(nodeTag))));
    }

    /** Removes this node's meters: a node started again in the same JVM registers its own. */
    void close() {
        closed = true;
        for (io.helidon.metrics.api.Meter m : meters) {
            registry.remove(m);
        }
        meters.clear();
    }

    /**
     * Counts a request by method, route (not the key) and status. Looked up in a map of its own first: the
     * registry's lookup, on every request, cost this store a measurable share of its writes per second.
     */
    void requestDone(String requestMethod, String path, int status) {
        if (closed) { // a request answered as the node closes: its meters are gone, and must stay so
            return;
        }
        String method = METHODS.contains(requestMethod) ? requestMethod : "other"; // a label per token: unbounded
        counters.computeIfAbsent(method + ' ' + route(path) + ' ' + status, k -> {
            Counter c = registry.getOrCreate(Counter.builder("kv.requests").description("requests answered")
                    .tags(List.of(nodeTag, Tag.create("method", method), Tag.create("route", route(path)),
                            Tag.create("status", String.valueOf(status)))));
            meters.add(c);
            return c;
        }).increment();
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
        NodeState s = state();
        boolean ready = s != null && !role().equals("none") && s.synced() && !s.fenced();
        return HealthCheckResponse.builder().status(ready)
                .detail("view", s == null || s.view() == null ? "none" : String.valueOf(s.view().number()))
                .detail("role", role())
                .detail("synced", s != null && s.synced())
                .detail("fenced", s != null && s.fenced())
                .build();
    }

    /** primary, backup, or none: in no view, or in one that does not name this node. */
    private String role() {
        ReplicaHost.Status status = status();
        if (status == null || status.state().view() == null || !status.state().view().members().contains(self)) {
            return "none";
        }
        return status.primary() ? "primary" : "backup";
    }

    private NodeState state() {
        ReplicaHost.Status status = status();
        return status == null ? null : status.state();
    }

    private ReplicaHost.Status status() {
        Snapshot s = last;
        long now = System.nanoTime();
        if (s.status() == null || now - s.atNanos() > STATE_AT_MOST_EVERY.toNanos()) {
            try {
                s = new Snapshot(now, host.status());
            } catch (ApiError stopped) { // the node is shutting down
                return s.status();
            }
            last = s;
        }
        return s.status();
    }
}
