package kvstore.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Where a request goes. Every node accepts every request (a backup forwards to its primary), so routing is only
 * about cost: the primary answers without the forwarding hop, and a node that just failed is not asked again
 * first. The primary is the one named by the newest view the nodes report on {@code GET /view}, asked of all of
 * them at once; it is asked again after any failure, which is how the client follows a view change. Correctness
 * never depends on it: a deposed primary refuses.
 */
final class Router {
    private static final Map<String, String> NO_HEADERS = Map.of();

    private final ObjectMapper json;
    private final Transport transport;
    private final List<String> seeds;
    private final Map<Long, String> addressById; // as configured: the view's own addresses may be peers' (a proxy)
    private final Duration timeout;
    private final boolean pinned;
    private final AtomicInteger rotation = new AtomicInteger();
    private final java.util.concurrent.locks.ReentrantLock discovering = new java.util.concurrent.locks.ReentrantLock();
    private volatile String primary; // null: to be found
    private long discoveredAt = Long.MIN_VALUE; // when the last discovery ended (guarded by discovering)
    private String discovered;                  // and what it found (null: nothing)

    private Router(ObjectMapper json, Transport transport, List<String> seeds, Map<Long, String> addressById,
                   Duration timeout, boolean pinned) {
        if (seeds.isEmpty()) {
            throw new IllegalArgumentException("the client needs at least one node's address");
        }
        this.json = json;
        this.transport = transport;
        this.seeds = List.copyOf(seeds);
        this.addressById = Map.copyOf(addressById);
        this.timeout = timeout;
        this.pinned = pinned;
    }

    /** Routes to the primary of the newest view, found from {@code seeds}. */
    static Router toPrimary(ObjectMapper json, Transport transport, List<String> seeds,
                            Map<Long, String> addressById, Duration timeout) {
        return new Router(json, transport, seeds, addressById, timeout, false);
    }

    /** Sends everything to one node, whatever happens (it forwards to its primary). */
    static Router pinnedTo(ObjectMapper json, Transport transport, String address) {
        return new Router(json, transport, List.of(address), Map.of(), Duration.ZERO, true);
    }

    /** The node to send the next attempt to. */
    String target() {
        if (pinned) {
            return seeds.getFirst();
        }
        String known = primary;
        if (known != null) {
            return known;
        }
        Optional<String> found = discoverOnce();
        if (found.isPresent()) {
            primary = found.get();
            return found.get();
        }
        // Nobody names a primary now (no view, or every node down): any node, in turn, answers for itself.
        return seeds.get(Math.floorMod(rotation.getAndIncrement(), seeds.size()));
    }

    /** An attempt at {@code address} failed: find the primary again before the next one. */
    void failed(String address) {
        if (address.equals(primary)) {
            primary = null;
        }
    }

    /** A node's report of its view: the primary's address, and how new the view is. */
    private record Report(String primary, long epoch, boolean fromPrimary) {
    }

    /**
     * One discovery at a time: threads whose attempts failed together (a failover) take the answer of a discovery
     * that ended after they asked, instead of each asking every node again.
     */
    private Optional<String> discoverOnce() {
        long asked = System.nanoTime();
        discovering.lock();
        try {
            if (discoveredAt != Long.MIN_VALUE && discoveredAt - asked > 0) {
                return Optional.ofNullable(discovered);
            }
            Optional<String> found = discover();
            discovered = found.orElse(null);
            discoveredAt = System.nanoTime();
            return found;
        } finally {
            discovering.unlock();
        }
    }

    /** Asks every known node for its view at once, and takes the newest one that names a primary. */
    private Optional<String> discover() {
        List<Callable<Optional<Report>>> asks = new ArrayList<>();
        for (String address : new LinkedHashSet<>(seeds)) {
            asks.add(() -> report(address));
        }
        List<Report> reports = new ArrayList<>();
        try (var threads = Executors.newVirtualThreadPerTaskExecutor()) {
            for (Future<Optional<Report>> f : threads.invokeAll(asks, timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                if (!f.isCancelled()) {
                    f.get().ifPresent(reports::add);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        } catch (ExecutionException e) {
            throw new IllegalStateException("a view report cannot fail: report() catches everything", e);
        }
        return reports.stream()
                .max(Comparator.comparingLong(Report::epoch).thenComparing(Report::fromPrimary))
                .map(Report::primary);
    }

    private Optional<Report> report(String address) {
        try {
            Transport.Response r = transport.send(address, new Transport.Request("GET", "/view", NO_HEADERS, null),
                    timeout);
            if (r.status() != 200) {
                return Optional.empty();
            }
            JsonNode view = json.readTree(r.body());
            if (!view.path("primary").canConvertToLong()) {
                return Optional.empty(); // no view yet
            }
            long id = view.path("primary").asLong();
            String at = addressById.get(id);
            if (at == null) {
                for (JsonNode member : view.path("view")) {
                    if (member.path("id").asLong() == id) {
                        at = member.path("address").asText();
                    }
                }
            }
            return at == null ? Optional.empty()
                    : Optional.of(new Report(at, view.path("epoch").asLong(), "primary".equals(view.path("role")
                    .asText())));
        } catch (IOException | RuntimeException e) {
            return Optional.empty(); // this node cannot say now; the others may
        }
    }
}
