package kvstore.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import javax.net.ssl.SSLContext;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A client of the store (docs/api.md). Thread-safe; one per application.
 *
 * <pre>{@code
 * try (KvClient kv = KvClient.connect("127.0.0.1:9001", "127.0.0.1:9002", "127.0.0.1:9003")) {
 *     kv.put("greeting", "hello");
 *     Optional<String> greeting = kv.get("greeting");
 * }
 * }</pre>
 *
 * <p>Requests go to the primary, found with {@code GET /view} and found again after any failure. An operation the
 * store cannot serve now (503: a view change, a backup down) is tried again, with backoff, for up to {@link
 * Builder#retryFor} (10 s by default). Every attempt of one write carries the same {@code Idempotency-Key}, so it is
 * applied at most once however many attempts it takes. A write that still fails says whether it certainly did not
 * happen ({@link NotAppliedException}) or may have ({@link OutcomeUnknownException}): the client counts its
 * attempts, since only it knows them all.
 */
public final class KvClient implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Map<String, String> NO_HEADERS = Map.of();
    private static final String IDEMPOTENCY_KEY = "Idempotency-Key";

    private final Transport transport;
    private final Router router;
    private final Duration requestTimeout;
    private final long retryForNanos;
    private final int maxAttempts;
    private final Backoff backoff;
    private final String keyPrefix = UUID.randomUUID().toString(); // keys are global: unique to this client
    private final AtomicLong writes = new AtomicLong();

    private KvClient(Builder b) {
        this.transport = b.transport != null ? b.transport : Transport.http(b.tls, CONNECT_TIMEOUT);
        List<String> seeds = new ArrayList<>(b.addresses);
        seeds.addAll(b.addressById.values());
        this.router = b.pinned ? Router.pinnedTo(JSON, transport, seeds.getFirst())
                : Router.toPrimary(JSON, transport, seeds, b.addressById,
                min(b.requestTimeout, DISCOVERY_TIMEOUT));
        this.requestTimeout = b.requestTimeout;
        this.retryForNanos = b.retryFor.toNanos();
        this.maxAttempts = b.maxAttempts;
        this.backoff = new Backoff(b.backoffFirst, b.backoffMax);
    }

    private static final Duration CONNECT_TIMEOUT = Duration.ofMillis(500);
    private static final Duration MAX_RETRY = Duration.ofDays(1); // in nanoseconds, far from a long's end
    private static final Duration DISCOVERY_TIMEOUT = Duration.ofSeconds(1);

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    /** A client of the nodes at these addresses (host:port), with the defaults. */
    public static KvClient connect(String... addresses) {
        return builder().nodes(addresses).build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The key's value, or empty if the key is absent. */
    public Optional<String> get(String key) {
        Transport.Response r = execute("GET " + key, new Transport.Request("GET", path(key), NO_HEADERS, null),
                false, 200, 404);
        return r.status() == 404 ? Optional.empty() : Optional.of(body(r).path("value").asText());
    }

    /** Every key and value: one linearizable snapshot of the whole store. */
    public Map<String, String> getAll() {
        Transport.Response r = execute("GET /data", new Transport.Request("GET", "/data", NO_HEADERS, null),
                false, 200);
        Map<String, String> all = new LinkedHashMap<>();
        body(r).properties().forEach(e -> all.put(e.getKey(), e.getValue().asText()));
        return all;
    }

    /** Writes the key's value. */
    public Write put(String key, String value) {
        Transport.Response r = execute("PUT " + key, write("PUT", key, JSON.createObjectNode().put("value", value)),
                true, 200, 201);
        return new Write(r.status() == 201, r.msgNum().orElse(0));
    }

    /**
     * Writes the key's value only if it now holds {@code expected} ({@code null}: only if the key is absent).
     */
    public Swap compareAndSet(String key, String expected, String value) {
        ObjectNode doc = JSON.createObjectNode().put("value", value).put("expect", expected);
        Transport.Response r = execute("compare-and-set " + key, write("PUT", key, doc), true, 200, 201, 412);
        if (r.status() == 412) {
            JsonNode current = body(r).path("current");
            return new Swap(false, current.isTextual() ? current.asText() : null, r.msgNum().orElse(0));
        }
        return new Swap(true, value, r.msgNum().orElse(0));
    }

    /** Deletes the key; true if it was there. */
    public boolean delete(String key) {
        Transport.Response r = execute("DELETE " + key, write("DELETE", key, null), true, 200, 404);
        return r.status() == 200;
    }

    @Override
    public void close() {
        transport.close();
    }

    /** A write, with the Idempotency-Key every attempt of it carries. */
    private Transport.Request write(String method, String key, ObjectNode doc) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put(IDEMPOTENCY_KEY, keyPrefix + "-" + writes.incrementAndGet());
        byte[] body = null;
        if (doc != null) {
            headers.put("Content-Type", "application/json");
            body = doc.toString().getBytes(StandardCharsets.UTF_8);
        }
        return new Transport.Request(method, path(key), Map.copyOf(headers), body);
    }

    /** The key's resource: every character a URL could change escaped, dots too ("." and ".." are keys). */
    static String path(String key) {
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < key.length() && Character.isLowSurrogate(key.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                // URLEncoder would send '?' in its place: another key, silently
                throw new IllegalArgumentException("the key has an unpaired surrogate at index " + i);
            }
        }
        return "/data/" + URLEncoder.encode(key, StandardCharsets.UTF_8).replace("+", "%20").replace(".", "%2E");
    }

    /**
     * Sends until one of {@code answers} comes back, or it is no use going on. What a failure means is decided
     * here, from every attempt: a write may have happened as soon as one attempt may have (it reached the primary,
     * and was neither answered nor refused before ordering); a read never changes anything.
     */
    private Transport.Response execute(String what, Transport.Request request, boolean isWrite, int... answers) {
        long deadline = System.nanoTime() + retryForNanos;
        boolean mayHaveHappened = false;
        for (int attempt = 1; ; attempt++) {
            String address = router.target();
            String failure;
            int status = 0;
            boolean retryable = true;
            try {
                Transport.Response r = transport.send(address, request, requestTimeout);
                status = r.status();
                if (isOneOf(status, answers)) {
                    return readable(r); // an answer that cannot be read says nothing: it is not a success
                }
                JsonNode error = body(r);
                failure = address + " answered " + status + " " + error.path("error").asText("");
                boolean attemptRefused = isFalse(error.path("attemptApplied")) || isFalse(error.path("applied"));
                mayHaveHappened |= isWrite && status >= 500 && !attemptRefused;
                // A 4xx, or a full store (507), is the store's answer to the request itself: sending it again
                // gets the same. (The node answers every 4xx before its core sees the request.)
                retryable = status == 503 || status >= 500 && error.path("retryable").asBoolean(false);
            } catch (Transport.NotSentException e) {
                failure = e.getMessage();
            } catch (IOException | RuntimeException e) { // a broken answer, or a transport's own failure
                failure = address + (status == 0 ? " did not answer: " : " answered " + status + " unreadably: ")
                        + e;
                mayHaveHappened |= isWrite;
            }
            router.failed(address);
            long pause = backoff.nanosAfter(attempt);
            if (!retryable || attempt >= maxAttempts || deadline - System.nanoTime() < pause || !pause(pause)) {
                String message = what + " failed after " + attempt + (attempt == 1 ? " attempt" : " attempts")
                        + "; the last: " + failure;
                throw mayHaveHappened ? new OutcomeUnknownException(message, status, attempt)
                        : new NotAppliedException(message, status, attempt);
            }
        }
    }

    /** Only a JSON false: a field that is missing, or anything else, says nothing. */
    private static boolean isFalse(JsonNode field) {
        return field.isBoolean() && !field.booleanValue();
    }

    /** The answer, its body checked to be the JSON it must be (a proxy's page in a 200 is not an answer). */
    private static Transport.Response readable(Transport.Response r) throws IOException {
        if (r.body() != null && r.body().length > 0) {
            JSON.readTree(r.body());
        }
        return r;
    }

    private static boolean isOneOf(int status, int[] answers) {
        for (int a : answers) {
            if (a == status) {
                return true;
            }
        }
        return false;
    }

    /** Waits; false if interrupted (the caller gives up, and the interrupt stays set). */
    private static boolean pause(long nanos) {
        try {
            TimeUnit.NANOSECONDS.sleep(nanos);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static JsonNode body(Transport.Response r) {
        try {
            return r.body() == null || r.body().length == 0 ? NullNode.instance : JSON.readTree(r.body());
        } catch (IOException e) {
            return NullNode.instance; // not JSON (a proxy's page): the status says enough
        }
    }

    /** How the client reaches the store, and how long it keeps trying. */
    public static final class Builder {
        private final List<String> addresses = new ArrayList<>();
        private final Map<Long, String> addressById = new LinkedHashMap<>();
        private SSLContext tls;
        private Transport transport;
        private Duration requestTimeout = Duration.ofSeconds(5);
        private Duration retryFor = Duration.ofSeconds(10);
        private int maxAttempts = Integer.MAX_VALUE;
        private Duration backoffFirst = Duration.ofMillis(10);
        private Duration backoffMax = Duration.ofSeconds(1);
        private boolean pinned;

        private Builder() {
        }

        /** Nodes to reach the cluster through (host:port); the views they report name the others. */
        public Builder nodes(String... addresses) {
            this.addresses.addAll(List.of(addresses));
            return this;
        }

        /**
         * A node by its id in the view documents, at the address this client reaches it by, where that differs
         * from the one the view names (which is the address the nodes use among themselves).
         */
        public Builder node(long id, String address) {
            addressById.put(id, address);
            return this;
        }

        /** HTTPS, trusting the certificate authorities of this context (the nodes' {@code --tls-ca}). */
        public Builder tls(SSLContext context) {
            this.tls = context;
            return this;
        }

        /** How long one attempt waits for its answer (5 s; a node answers within about 2 s when it can). */
        public Builder requestTimeout(Duration timeout) {
            this.requestTimeout = positive("requestTimeout", timeout);
            return this;
        }

        /** How long an operation is tried again before it fails (10 s). */
        public Builder retryFor(Duration duration) {
            if (duration.isNegative() || duration.compareTo(MAX_RETRY) > 0) {
                throw new IllegalArgumentException("retryFor is 0 to " + MAX_RETRY.toDays() + " days, not " + duration);
            }
            this.retryFor = duration;
            return this;
        }

        /** At most this many attempts per operation (1: never retry). */
        public Builder maxAttempts(int attempts) {
            if (attempts < 1) {
                throw new IllegalArgumentException("at least one attempt, not " + attempts);
            }
            this.maxAttempts = attempts;
            return this;
        }

        /** The wait after a failed attempt: from about {@code first}, doubling, up to {@code max} (10 ms, 1 s). */
        public Builder backoff(Duration first, Duration max) {
            new Backoff(first, max); // checks them now, not at the first failure
            this.backoffFirst = first;
            this.backoffMax = max;
            return this;
        }

        /**
         * Every request to the first node given, which forwards it to its primary: no discovery, no rerouting (a
         * Jepsen worker bound to its node).
         */
        public Builder pinned() {
            this.pinned = true;
            return this;
        }

        /** Another way to send a request (a test's faulty network, a proxy); the client closes it. */
        public Builder transport(Transport transport) {
            this.transport = transport;
            return this;
        }

        private static Duration positive(String name, Duration d) {
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(name + " must be positive, not " + d);
            }
            return d;
        }

        public KvClient build() {
            if (addresses.isEmpty() && addressById.isEmpty()) {
                throw new IllegalArgumentException("the client needs at least one node's address");
            }
            return new KvClient(this);
        }
    }
}
