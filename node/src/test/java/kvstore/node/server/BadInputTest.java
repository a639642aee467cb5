package kvstore.node.server;

import com.fasterxml.jackson.databind.JsonNode;
import kvstore.core.Command;
import kvstore.core.Message;
import kvstore.core.MessageCodec;
import kvstore.core.RequestId;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Bad input gets a 4xx with a JSON body that names the problem, and changes nothing: the data and every node's
 * view are the same afterwards. The cluster runs with a token, as a careful operator's would.
 */
class BadInputTest {
    private static final String TOKEN = "s3cret";
    private static TestCluster cluster;
    private static String primary;

    @BeforeAll
    static void startCluster() {
        cluster = TestCluster.startWithToken(3, TOKEN);
        primary = cluster.address(1);
        assertEquals(201, Http.put(primary, "k", "original").status());
    }

    @AfterAll
    static void stopCluster() {
        cluster.close();
    }

    private static final String JSON = "application/json";

    static Stream<Arguments> badRequests() {
        String big = "a".repeat((1 << 20) + 1);
        String hugeBody = "{\"value\": \"" + "b".repeat(9 << 20) + "\"}";
        String self = "{\"address\": \"127.0.0.1:1\", \"id\": 1}";
        return Stream.of(
                bad("not JSON", "PUT", "/data/k", "{bad", 400, "not valid JSON"),
                bad("trailing garbage", "PUT", "/data/k", "{\"value\": \"x\"} extra", 400, "not valid JSON"),
                bad("an array", "PUT", "/data/k", "[\"x\"]", 400, "must be a JSON object, not an array"),
                bad("no body", "PUT", "/data/k", "", 400, "no body"),
                bad("no value", "PUT", "/data/k", "{}", 400, "no 'value'"),
                bad("numeric value", "PUT", "/data/k", "{\"value\": 5}", 400, "'value' must be a string, not a number"),
                bad("null value", "PUT", "/data/k", "{\"value\": null}", 400, "'value' must be a string, not null"),
                bad("lone surrogate", "PUT", "/data/k", "{\"value\": \"a\\ud800\"}", 400, "lone UTF-16 surrogate"),
                bad("lone surrogate in expect", "PUT", "/data/k", "{\"value\": \"x\", \"expect\": \"\\udc00\"}", 400,
                        "'expect' holds a lone"),
                bad("unknown field", "PUT", "/data/k", "{\"value\": \"x\", \"ttl\": 3}", 400, "unknown field 'ttl'"),
                bad("duplicate field", "PUT", "/data/k", "{\"value\": \"x\", \"value\": \"y\"}", 400, "Duplicate field"),
                bad("numeric expect", "PUT", "/data/k", "{\"value\": \"x\", \"expect\": 1}", 400, "'expect' must be a string"),
                bad("text/plain body", "PUT", "/data/k", "{\"value\": \"x\"}", 415, "must be application/json", "Content-Type", "text/plain"),
                bad("latin-1 body", "PUT", "/data/k", "{\"value\": \"x\"}", 415, "must be UTF-8", "Content-Type", JSON + "; charset=ISO-8859-1"),
                bad("value over 1 MiB", "PUT", "/data/k", "{\"value\": \"" + big + "\"}", 413, "the value is 1048577 bytes"),
                bad("body over 8 MiB", "PUT", "/data/k", hugeBody, 413, "the body is"),
                bad("key over 1024 bytes", "GET", "/data/" + "k".repeat(1025), null, 414, "the key is 1025 bytes"),
                bad("key over 1024 bytes, on PUT", "PUT", "/data/" + "%C3%A9".repeat(513), "{\"value\": \"x\"}", 414, "the key is 1026 bytes"),
                bad("empty key", "PUT", "/data/", "{\"value\": \"x\"}", 400, "the key is empty"),
                bad("malformed escape", "GET", "/data/a%zz", null, 400, "malformed %-escape '%zz'"),
                bad("truncated escape", "DELETE", "/data/a%4", null, 400, "malformed %-escape"),
                bad("invalid UTF-8 key", "PUT", "/data/%C3%28", "{\"value\": \"x\"}", 400, "not valid UTF-8"),
                bad("empty Idempotency-Key", "PUT", "/data/k", "{\"value\": \"x\"}", 400, "Idempotency-Key", "Idempotency-Key", ""),
                bad("overlong Idempotency-Key", "PUT", "/data/k", "{\"value\": \"x\"}", 400, "Idempotency-Key", "Idempotency-Key", "i".repeat(257)),
                bad("POST on a key", "POST", "/data/k", "{\"value\": \"x\"}", 405, "method POST is not allowed"),
                bad("unknown endpoint", "GET", "/kv/k", null, 404, "no such endpoint"),
                view("view without token", "{\"view\": [" + self + "]}", 401, "requires the X-Cluster-Token", null),
                view("view with wrong token", "{\"view\": [" + self + "]}", 401, "wrong cluster token", "guess"),
                view("view: not JSON", "view", 400, "not valid JSON", TOKEN),
                view("view: no list", "{}", 400, "no 'view' list", TOKEN),
                view("view: list is a string", "{\"view\": \"1,2\"}", 400, "'view' must be a list", TOKEN),
                view("view: empty list", "{\"view\": []}", 400, "lists no node", TOKEN),
                view("view: entry not an object", "{\"view\": [1]}", 400, "must be an object", TOKEN),
                view("view: entry without id", "{\"view\": [{\"address\": \"127.0.0.1:1\"}]}", 400, "needs an 'address' and an 'id'", TOKEN),
                view("view: string id", "{\"view\": [{\"address\": \"127.0.0.1:1\", \"id\": \"1\"}]}", 400, "'id' must be a node id", TOKEN),
                view("view: negative id", "{\"view\": [{\"address\": \"127.0.0.1:1\", \"id\": -1}]}", 400, "'id' must be a node id", TOKEN),
                view("view: bad address", "{\"view\": [{\"address\": \"localhost\", \"id\": 1}]}", 400, "not an address of the form host:port", TOKEN),
                view("view: address with a path", "{\"view\": [{\"address\": \"h:1/x\", \"id\": 1}]}", 400, "not an address", TOKEN),
                view("view: duplicate id", "{\"view\": [" + self + ", {\"address\": \"127.0.0.1:2\", \"id\": 1}]}", 400, "node id 1 is listed twice", TOKEN),
                view("view: duplicate address", "{\"view\": [" + self + ", {\"address\": \"127.0.0.1:1\", \"id\": 2}]}", 400, "address 127.0.0.1:1 is listed twice", TOKEN),
                view("view: primary not a member", "{\"view\": [" + self + "], \"primary\": 7}", 400, "the primary 7 is not a member", TOKEN),
                view("view: negative epoch", "{\"view\": [" + self + "], \"epoch\": -1}", 400, "'epoch' must be a positive integer", TOKEN),
                view("view: epoch too large", "{\"view\": [" + self + "], \"epoch\": 9223372036854775807}", 400, "'epoch' must be at most", TOKEN),
                view("view: unknown field", "{\"view\": [" + self + "], \"leader\": 1}", 400, "unknown field 'leader'", TOKEN),
                view("view: unknown entry field", "{\"view\": [{\"address\": \"127.0.0.1:1\", \"id\": 1, \"port\": 1}]}", 400, "unknown field 'port' in a view entry", TOKEN),
                view("view: stale epoch", "{\"view\": [" + self + "], \"epoch\": 1}", 409, "is not newer than this node's epoch", TOKEN),
                internal("internal without token", batch(), 401, "requires the X-Cluster-Token", null),
                internal("internal: no sender", batch(), 400, "expected the sender in X-From-Node", TOKEN,
                        "X-From-Node", null),
                internal("internal: JSON", "{\"from\": \"2\", \"messages\": []}".getBytes(StandardCharsets.UTF_8),
                        415, "must be application/x-kvstore-messages, not application/json", TOKEN,
                        "Content-Type", JSON),
                internal("internal: unknown message", unknownType(), 400, "unknown message type 99", TOKEN),
                internal("internal: put without value", batch(new Message.ClientRequest(new RequestId("c", 1),
                        new Command(Command.Kind.PUT, "k", null, null))), 400, "PUT needs a value", TOKEN),
                internal("internal: get without key", batch(new Message.ClientRequest(new RequestId("c", 1),
                        new Command(Command.Kind.GET, null, null, null))), 400, "GET needs a key", TOKEN),
                internal("internal: truncated", Arrays.copyOf(batch(new Message.Heartbeat(1, 1, 1)), 12), 400,
                        "ends in the middle of a message", TOKEN),
                internal("internal: bad return address", batch(), 400, "X-Return-Address must be", TOKEN,
                        "X-Return-Address", "h:1/x"),
                internal("internal: a node installs a view", batch(new Message.NewView(new kvstore.core.View(9, "1",
                        List.of()))), 400, "a node does not send NewView", TOKEN),
                internal("internal: a controller's client request", batch(new Message.ClientRequest(
                        new RequestId("c", 1), Command.get("k"))), 400, "a controller does not send ClientRequest",
                        TOKEN, "X-From-Node", null, "X-From-Controller", "c"),
                internal("internal: two senders", batch(), 400, "exactly one of them", TOKEN,
                        "X-From-Controller", "c"),
                internal("internal: bad peer addresses", batch(), 400, "lists id=host:port pairs", TOKEN,
                        "X-From-Node", null, "X-From-Controller", "c", "X-Peer-Addresses", "1=h:1,two"));
    }

    private static Arguments bad(String name, String method, String path, String body, int status, String error,
                                 String... headers) {
        String[] all = headers;
        if (body != null && (headers.length == 0 || !headers[0].equals("Content-Type"))) {
            all = Stream.concat(Stream.of("Content-Type", JSON), Stream.of(headers)).toArray(String[]::new);
        }
        return Arguments.of(name, method, path, body, status, error, all);
    }

    private static Arguments view(String name, String body, int status, String error, String token) {
        return Arguments.of(name, "PUT", "/view", body, status, error, tokenHeaders(token));
    }

    /**
     * A batch of core messages to {@code /internal/messages}, from node 2, with these headers changed (a null value
     * leaves the header out).
     */
    private static Arguments internal(String name, byte[] body, int status, String error, String token,
                                      String... changed) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Content-Type", MessageCodec.MEDIA_TYPE);
        headers.put("X-From-Node", "2");
        if (token != null) {
            headers.put("X-Cluster-Token", token);
        }
        for (int i = 0; i < changed.length; i += 2) {
            headers.put(changed[i], changed[i + 1]);
        }
        headers.values().removeIf(java.util.Objects::isNull);
        String[] flat = headers.entrySet().stream().flatMap(e -> Stream.of(e.getKey(), e.getValue()))
                .toArray(String[]::new);
        return Arguments.of(name, "POST", "/internal/messages", body, status, error, flat);
    }

    private static byte[] batch(Message... messages) {
        return MessageCodec.encode(List.of(messages));
    }

    private static byte[] unknownType() {
        byte[] bytes = batch(new Message.FoundingQuery());
        bytes[5] = 99; // after the version byte and the count
        return bytes;
    }

    private static String[] tokenHeaders(String token) {
        return token == null ? new String[]{"Content-Type", JSON}
                : new String[]{"Content-Type", JSON, "X-Cluster-Token", token};
    }

    @ParameterizedTest(name = "{0} -> {4}")
    @MethodSource("badRequests")
    void isRefusedClearlyAndChangesNothing(String name, String method, String path, Object body, int status,
                                           String error, String[] headers) {
        List<JsonNode> before = state();
        Http.Response r = body instanceof byte[] bytes ? Http.sendBytes(method, primary, path, bytes, headers)
                : Http.send(method, primary, path, (String) body, headers);
        assertEquals(status, r.status(), () -> name + ": " + r);
        assertTrue(r.error() != null && r.error().contains(error),
                () -> name + ": expected an error containing \"" + error + "\", got " + r);
        assertEquals(before, state(), name + " changed the store or a view");
    }

    @Test
    void theLargestValueIsAccepted() {
        String largest = "v".repeat(1 << 20);
        // On a loaded machine a megabyte may miss the test cluster's 1 s confirmation time (a retryable 503 that may
        // still take effect): retried with one Idempotency-Key, it is applied once, and done before the next test
        // compares the store.
        String body = Http.valueBody(largest);
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30)).until(() -> {
            Http.Response r = Http.send("PUT", primary, "/data/big", body, "Idempotency-Key", "largest-put");
            assertTrue(r.status() == 201 || r.status() == 503, r::toString);
            return r.status() == 201;
        });
        assertEquals(largest, Http.get(cluster.address(3), "big").body().path("value").asText());
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30)).until(() ->
                Http.send("DELETE", primary, "/data/big", null, "Idempotency-Key", "largest-delete").status() == 200);
    }

    /** The data through the primary, and every node's view (epoch and members). */
    private static List<JsonNode> state() {
        List<JsonNode> state = new ArrayList<>();
        state.add(Http.getAll(primary).body());
        for (long id : cluster.ids()) {
            JsonNode view = Http.send("GET", cluster.address(id), "/view", null).body();
            state.add(view.get("view"));
            state.add(view.get("epoch"));
        }
        return state;
    }
}
