package kvstore.node.control;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import kvstore.core.Address;
import kvstore.core.Message;
import kvstore.core.control.Controller;
import kvstore.core.control.ControllerConfig;
import kvstore.core.Message.Accept;
import kvstore.core.Message.Accepted;
import kvstore.core.Message.NewView;
import kvstore.core.Message.Prepare;
import kvstore.core.Message.Probe;
import kvstore.core.Message.Promise;
import kvstore.core.Message.Refused;
import kvstore.core.Message.Status;
import kvstore.core.NodeState;
import kvstore.core.Send;
import kvstore.core.View;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Runs the {@link Controller} core in production, as {@code ReplicaHost} runs the replica: one thread owns it and
 * feeds it ticks and the nodes' answers. Each message the core sends becomes one HTTP request to a node's
 * controller endpoints (docs/api.md); the answer comes back as the core message it stands for. A request that
 * fails or times out is a lost message, which the core is built to tolerate. Decided views are installed with
 * {@code PUT /view}, the operator's path.
 */
public final class ControllerHost implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(ControllerHost.class.getName());
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Controller controller;
    private final Map<String, String> addresses;
    private final String token;
    private final HttpClient http;
    private final Duration requestTimeout;
    private final ExecutorService loop;
    private final ScheduledExecutorService ticker;
    private final Map<String, String> lastComplaint = new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * @param name      unique to this controller process (its ballots are its own): say, a random id
     * @param addresses every node of the cluster, id to host:port
     * @param token     the cluster token (null: none)
     */
    public ControllerHost(String name, Map<String, String> addresses, String token, Duration tick,
                          ControllerConfig config, Controller.Events events) {
        this.addresses = new TreeMap<>(java.util.Comparator.comparingLong(Long::parseLong)); // ids in numeric
        this.addresses.putAll(addresses);              // order, as view documents list members: views compare equal
        this.token = token;
        this.requestTimeout = tick.multipliedBy(config.suspectAfter());
        this.controller = new Controller(name, List.copyOf(this.addresses.keySet()), config, new SplittableRandom(),
                events);
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(requestTimeout).build();
        this.loop = Executors.newSingleThreadExecutor(r -> daemon(r, "controller"));
        this.ticker = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "controller-ticks"));
        ticker.scheduleAtFixedRate(() -> enqueue(() -> dispatch(controller.onTick())), tick.toNanos(),
                tick.toNanos(), TimeUnit.NANOSECONDS);
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    /** Asks for the primary to move (a planned failover). */
    public void requestMove() {
        enqueue(controller::requestMove);
    }

    private void enqueue(Runnable work) {
        try {
            loop.execute(() -> {
                try {
                    work.run();
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.ERROR, "the controller failed on an input", e);
                }
            });
        } catch (RejectedExecutionException e) {
            // closed
        }
    }

    private void dispatch(List<Send> sends) {
        for (Send s : sends) {
            String node = s.to().name(); // a controller sends to nodes only
            String address = addresses.get(node);
            if (address != null) {
                try {
                    request(node, address, s.message());
                } catch (RuntimeException e) { // one bad request must not cost the rest of the tick's sends
                    complain(node, "could not send " + s.message().getClass().getSimpleName() + ": " + e);
                }
            }
        }
    }

    /**
     * Logs what a node answered that the core cannot use (a 401 for a wrong token, a 400, a refused PUT /view), once
     * per node until it changes: otherwise the controller would only ever say that no majority answered.
     */
    private void complain(String node, String what) {
        if (!what.equals(lastComplaint.put(node, what))) {
            LOG.log(System.Logger.Level.WARNING, "node " + node + ": " + what);
        }
    }

    private void request(String node, String address, Message m) {
        HttpRequest.Builder r = HttpRequest.newBuilder().timeout(requestTimeout)
                .header("Content-Type", "application/json");
        if (token != null) {
            r.header("X-Cluster-Token", token);
        }
        String base = "http://" + address;
        switch (m) {
            case Probe p -> r.uri(URI.create(base + "/view/state")).GET();
            case Prepare p -> r.uri(URI.create(base + "/view/prepare")).POST(body(JSON.createObjectNode()
                    .set("ballot", ControllerJson.ballot(p.ballot()))));
            case Accept a -> {
                ObjectNode body = JSON.createObjectNode();
                body.set("ballot", ControllerJson.ballot(a.ballot()));
                body.set("view", ControllerJson.view(a.view()));
                body.put("restoreIncarnation", a.restoreIncarnation());
                r.uri(URI.create(base + "/view/accept")).POST(body(body));
            }
            case NewView v -> r.uri(URI.create(base + "/view")).PUT(body(viewDocument(v.view())));
            default -> throw new IllegalArgumentException("a controller does not send " + m);
        }
        http.sendAsync(r.build(), HttpResponse.BodyHandlers.ofString()).whenComplete((response, failure) -> {
            if (failure != null) {
                return; // lost: the core resends what matters
            }
            if (response.statusCode() != 200 && (m instanceof NewView || response.statusCode() != 409)) {
                complain(node, m.getClass().getSimpleName() + " answered " + response.statusCode() + " "
                        + response.body());
            }
            if (m instanceof NewView) {
                return; // the next probe reports the outcome better
            }
            Message answer = answerTo(node, m, response);
            if (answer != null) {
                enqueue(() -> dispatch(controller.onMessage(new Address.Node(node), answer)));
            }
        });
    }

    /** The core message an HTTP answer stands for (null: not an answer the core can use). */
    private Message answerTo(String node, Message question, HttpResponse<String> response) {
        if (response.statusCode() != 200 && response.statusCode() != 409) {
            return null;
        }
        NodeState state;
        try {
            state = ControllerJson.state(JSON.readTree(response.body()));
        } catch (Exception e) {
            complain(node, "its answer could not be read: " + e.getMessage());
            return null;
        }
        boolean refused = response.statusCode() == 409;
        return switch (question) {
            case Probe p -> new Status(p.sentAt(), state);
            case Prepare p -> refused ? new Refused(p.ballot(), state) : new Promise(p.ballot(), state);
            case Accept a -> refused ? new Refused(a.ballot(), state) : new Accepted(a.ballot(), state);
            default -> null;
        };
    }

    /** The operator's view document for a decided view, with the addresses of its members. */
    private ObjectNode viewDocument(View v) {
        ObjectNode doc = JSON.createObjectNode();
        var list = doc.putArray("view");
        List<String> members = new ArrayList<>(v.members());
        for (String id : members) {
            list.addObject().put("address", addresses.get(id)).put("id", Long.parseLong(id));
        }
        doc.put("primary", Long.parseLong(v.primary())).put("epoch", v.number())
                .put("primaryIncarnation", v.primaryIncarnation()).put("basis", v.basis());
        return doc;
    }

    private static HttpRequest.BodyPublisher body(JsonNode json) {
        return HttpRequest.BodyPublishers.ofString(json.toString());
    }

    @Override
    public void close() {
        ticker.shutdownNow();
        loop.shutdownNow();
        http.shutdownNow();
    }
}
