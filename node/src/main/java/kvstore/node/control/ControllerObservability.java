package kvstore.node.control;

import io.helidon.health.HealthCheckResponse;
import io.helidon.health.HealthCheckType;
import io.helidon.metrics.api.Counter;
import io.helidon.metrics.api.Gauge;
import io.helidon.metrics.api.Meter;
import io.helidon.metrics.api.MeterRegistry;
import io.helidon.metrics.api.MetricsFactory;
import io.helidon.metrics.api.Tag;
import io.helidon.metrics.api.Timer;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.observe.ObserveFeature;
import io.helidon.webserver.observe.health.HealthObserver;
import io.helidon.webserver.observe.metrics.MetricsObserver;
import kvstore.core.View;
import kvstore.core.control.Controller;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A failover controller's {@code /metrics} and {@code /health/live}, on a port of its own (a controller serves
 * nothing else), in Prometheus text: rounds begun and abandoned, views decided, the epoch of the last one, and how
 * long each view took from its round's start to established (docs/api.md, "Metrics of a controller"). It sits
 * between the controller's core and whoever else listens to its events, counting each as it passes.
 */
public final class ControllerObservability implements Controller.Events, AutoCloseable {
    /**
     * From 10 ms to 1 minute: a failover on loopback takes about half a second; a view not established within the
     * controller's settling time (2 s by default) is counted apart.
     */
    private static final Duration[] BUCKETS = java.util.stream.Stream.of(10, 20, 50, 100, 200, 500, 1000, 2000,
            5000, 10_000, 30_000, 60_000).map(Duration::ofMillis).toArray(Duration[]::new);

    private final Controller.Events next;
    private final Duration tick;
    private final MeterRegistry registry = MetricsFactory.getInstance().globalRegistry();
    private final List<Meter> meters = new ArrayList<>();
    private final Counter rounds;
    private final Counter abandoned;
    private final Counter decided;
    private final Counter notEstablished;
    private final Timer viewChanges;
    private volatile long epoch;
    private WebServer server;

    /**
     * @param name the controller's name (its meters' {@code controller} label)
     * @param tick the controller's tick, to turn its ticks into seconds
     * @param next where the events go on to
     */
    public ControllerObservability(String name, Duration tick, Controller.Events next) {
        this.next = next;
        this.tick = tick;
        List<Tag> tags = List.of(Tag.create("controller", name));
        rounds = meter(Counter.builder("kv.controller.rounds").description("rounds begun (a Paxos ballot each)")
                .tags(tags));
        abandoned = meter(Counter.builder("kv.controller.rounds.abandoned")
                .description("rounds given up: a higher ballot, or no majority in time").tags(tags));
        decided = meter(Counter.builder("kv.controller.views.decided").description("views decided by this "
                + "controller").tags(tags));
        notEstablished = meter(Counter.builder("kv.controller.views.not.established")
                .description("views decided that were not established within the settling time (a backup still "
                        + "catching up, or a member gone): their view change is not in the duration histogram")
                .tags(tags));
        viewChanges = meter(Timer.builder("kv.controller.view.change.duration")
                .description("from the start of the round that chose a view to the view established (its primary "
                        + "serving, its backups synced)")
                .buckets(BUCKETS).percentiles(new double[0]).tags(tags));
        meter(Gauge.builder("kv.controller.view.epoch", () -> (double) epoch)
                .description("the number of the last view this controller decided (0: none yet)").tags(tags));
    }

    private <B extends Meter.Builder<B, M>, M extends Meter> M meter(B builder) {
        M m = registry.getOrCreate(builder);
        meters.add(m);
        return m;
    }

    /** Serves the metrics and liveness on {@code host:port} (port 0: a free one); returns the port. */
    public int serve(String host, int port) {
        HealthObserver health = HealthObserver.builder().details(true)
                .addCheck(() -> HealthCheckResponse.builder().status(true).build(), HealthCheckType.LIVENESS,
                        "deciding")
                .build();
        server = WebServer.builder().host(host).port(port)
                .addFeature(ObserveFeature.builder().endpoint("/").addObserver(health)
                        .addObserver(MetricsObserver.builder().meterRegistry(registry).build()).build())
                .build().start();
        if (!server.isRunning() || server.port() <= 0) { // Helidon logs a failed bind and returns
            throw new IllegalStateException("the controller's metrics could not listen on " + host + ":" + port
                    + " (in use?)");
        }
        return server.port();
    }

    @Override
    public void note(String text) {
        next.note(text);
    }

    @Override
    public void roundStarted(long number, String reason) {
        rounds.increment();
        next.roundStarted(number, reason);
    }

    @Override
    public void roundAbandoned(long number, String why) {
        abandoned.increment();
        next.roundAbandoned(number, why);
    }

    @Override
    public void decided(View view) {
        decided.increment();
        epoch = view.number();
        next.decided(view);
    }

    @Override
    public void established(View view, long ticks) {
        viewChanges.record(ticks * tick.toNanos(), TimeUnit.NANOSECONDS);
        next.established(view, ticks);
    }

    @Override
    public void notEstablished(View view, long ticks) {
        notEstablished.increment();
        next.notEstablished(view, ticks);
    }

    @Override
    public void close() {
        if (server != null) {
            server.stop();
        }
        meters.forEach(registry::remove);
    }
}
