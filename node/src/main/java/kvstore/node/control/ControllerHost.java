package kvstore.node.control;

import kvstore.core.Address;
import kvstore.core.Message;
import kvstore.core.Message.NewView;
import kvstore.core.Message.ViewReply;
import kvstore.core.MessageCodec;
import kvstore.core.Send;
import kvstore.core.control.Controller;
import kvstore.core.control.ControllerConfig;
import kvstore.node.host.ProcessLoop;
import kvstore.node.server.MessagesEndpoint;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * Runs the {@link Controller} core in production on a {@link ProcessLoop}, as {@code ReplicaHost} runs the
 * replica: ticks and the nodes' answers in. Each message the core sends goes to its node as a batch on the endpoint
 * nodes use between themselves ({@link MessagesEndpoint}); the node's answers come back in the response. A
 * request that fails or times out is a lost message, which the core is built to tolerate.
 */
public final class ControllerHost implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(ControllerHost.class.getName());

    private final Controller controller;
    private final Map<String, String> addresses;
    private final String token;
    private final String name;          // names the sender of every request
    private final String peerAddresses; // sent with a decided view: where its members listen
    private final HttpClient http;
    private final String scheme; // http, or https over TLS
    private final Duration requestTimeout;
    private final ProcessLoop loop;
    private final Map<String, String> lastComplaint = new java.util.concurrent.ConcurrentHashMap<>();
    private final List<AutoCloseable> closeWith = new java.util.concurrent.CopyOnWriteArrayList<>();

    /**
     * @param name      unique to this controller process (its ballots are its own): say, a random id
     * @param addresses every node of the cluster, id to host:port
     * @param token     the cluster token (null: none)
     * @param tls       how to reach the nodes over TLS, presenting the controller's certificate (null: plain HTTP)
     */
    public ControllerHost(String name, Map<String, String> addresses, String token, javax.net.ssl.SSLContext tls,
                          Duration tick, ControllerConfig config, Controller.Events events) {
        this.addresses = new TreeMap<>(java.util.Comparator.comparingLong(Long::parseLong)); // ids in numeric
        this.addresses.putAll(addresses);              // order, as view documents list members: views compare equal
        this.token = token;
        this.peerAddresses = MessagesEndpoint.formatPeerAddresses(this.addresses);
        this.name = name;
        this.requestTimeout = tick.multipliedBy(config.suspectAfter());
        this.controller = new Controller(name, List.copyOf(this.addresses.keySet()), config, new SplittableRandom(),
                events);
        this.http = kvstore.node.http.HttpClients.builder(tls).connectTimeout(requestTimeout).build();
        this.scheme = kvstore.node.http.HttpClients.scheme(tls);
        this.loop = new ProcessLoop("controller", controller, tick, this::route);
    }

    /**
     * What to do once the controller's loop stopped on an error of the virtual machine (out of memory): it decides
     * nothing more, so a controller process should exit and be restarted rather than live on silently.
     */
    public void onFatal(java.util.function.Consumer<VirtualMachineError> action) {
        loop.onFatal(action);
    }

    /** Asks for the primary to move (a planned failover). */
    public void requestMove() {
        loop.enqueue(controller::requestMove);
    }

    /** Sends what the core sends a node (a controller sends to nodes only). On the loop thread. */
    private void route(Send s) {
        String node = s.to().name();
        String address = addresses.get(node);
        if (address != null) {
            try {
                request(node, address, s.message());
            } catch (RuntimeException e) { // one bad request must not cost the rest of the tick's sends
                complain(node, "could not send " + s.message().getClass().getSimpleName() + ": " + e);
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

    /**
     * Sends one of the core's messages to a node on the one endpoint nodes use too; the node's answers (a status, a
     * promise, an acceptance or refusal, a view's reply) come back in the response and go to the core.
     */
    private void request(String node, String address, Message m) {
        HttpRequest.Builder r = HttpRequest.newBuilder(URI.create(scheme + "://" + address + MessagesEndpoint.PATH))
                .timeout(requestTimeout)
                .header("Content-Type", MessageCodec.MEDIA_TYPE)
                .header(MessagesEndpoint.FROM_CONTROLLER, name)
                .POST(HttpRequest.BodyPublishers.ofByteArray(MessageCodec.encode(List.of(m))));
        if (m instanceof NewView) {
            r.header(MessagesEndpoint.PEER_ADDRESSES, peerAddresses); // a view's members must be reachable
        }
        if (token != null) {
            r.header(MessagesEndpoint.TOKEN, token);
        }
        http.sendAsync(r.build(), HttpResponse.BodyHandlers.ofByteArray()).whenComplete((response, failure) -> {
            if (failure != null) {
                return; // lost: the core resends what matters
            }
            if (response.statusCode() != 200) {
                complain(node, m.getClass().getSimpleName() + " answered " + response.statusCode() + " "
                        + new String(response.body(), java.nio.charset.StandardCharsets.UTF_8));
                return;
            }
            List<Message> answers;
            try {
                answers = MessageCodec.decode(response.body());
            } catch (IllegalArgumentException e) {
                complain(node, "its answer could not be read: " + e.getMessage());
                return;
            }
            for (Message answer : answers) {
                if (answer instanceof ViewReply reply && reply.refusal() != null) {
                    complain(node, "refused view " + reply.view() + ": " + reply.refusal());
                }
            }
            loop.deliver(new Address.Node(node), answers);
        });
    }

    /** Something that lives as long as this controller (its metrics server): closed with it, after its loop. */
    public void closeWith(AutoCloseable companion) {
        closeWith.add(companion);
    }

    @Override
    public void close() {
        loop.close();
        http.shutdownNow();
        for (AutoCloseable c : closeWith) {
            try {
                c.close();
            } catch (Exception e) {
                LOG.log(System.Logger.Level.WARNING, "could not close " + c, e);
            }
        }
    }
}
