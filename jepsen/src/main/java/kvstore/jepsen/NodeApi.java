package kvstore.jepsen;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import kvstore.node.server.Json;
import kvstore.node.server.KeyPath;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** The REST API as a client and an operator use it (java.net.http; one shared client, HTTP/1.1). */
final class NodeApi {
    static final ObjectMapper JSON = Json.MAPPER;
    private final HttpClient http;
    private final String scheme; // http, or https over TLS
    private final Duration timeout;

    /**
     * An answer; {@code status} 0 when no answer came. {@code neverSent}: the connection could not even be made,
     * so the server cannot have seen the request.
     */
    record Answer(int status, JsonNode body, String failure, boolean neverSent) {
        boolean answered() {
            return status != 0;
        }
    }

    /** @param tls how to reach nodes over TLS, trusting their authority (null: plain HTTP) */
    NodeApi(Duration timeout, javax.net.ssl.SSLContext tls) {
        this.timeout = timeout;
        this.http = kvstore.node.http.HttpClients.builder(tls).connectTimeout(Duration.ofMillis(500)).build();
        this.scheme = kvstore.node.http.HttpClients.scheme(tls);
    }

    Answer get(String address, String key) {
        return send("GET", address, KeyPath.of(key), null);
    }

    Answer getAll(String address) {
        return send("GET", address, "/data", null);
    }

    Answer put(String address, String key, String value) {
        return send("PUT", address, KeyPath.of(key), JSON.createObjectNode().put("value", value));
    }

    Answer cas(String address, String key, String expected, String value) {
        return send("PUT", address, KeyPath.of(key), JSON.createObjectNode().put("value", value)
                .put("expect", expected));
    }

    Answer delete(String address, String key) {
        return send("DELETE", address, KeyPath.of(key), null);
    }

    Answer view(String address) {
        return send("GET", address, "/view", null);
    }

    /** What a node tells a failover controller (docs/api.md, "Controller endpoints"). */
    Answer state(String address) {
        return send("GET", address, "/view/state", null);
    }

    Answer putView(String address, ObjectNode document) {
        return send("PUT", address, "/view", document);
    }

    Answer ping(String address) {
        return send("GET", address, "/ping", null);
    }

    /** A node's {@code /metrics} text, or null if it did not answer 200 within {@code timeout}. */
    String metrics(String address, Duration timeout) {
        HttpRequest request = HttpRequest.newBuilder(URI.create(scheme + "://" + address + "/metrics"))
                .timeout(timeout).GET().build();
        try {
            HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 200 ? r.body() : null;
        } catch (IOException | RuntimeException e) { // no answer this time; the scraper asks again
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    private Answer send(String method, String address, String path, ObjectNode body) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(scheme + "://" + address + path))
                .timeout(timeout)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body.toString()));
        if (body != null) {
            request.header("Content-Type", "application/json");
        }
        try {
            HttpResponse<String> r = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
            JsonNode json = r.body().isEmpty() ? NullNode.instance : JSON.readTree(r.body());
            return new Answer(r.statusCode(), json, null, false);
        } catch (IOException e) {
            boolean neverSent = e instanceof java.net.ConnectException
                    || e instanceof java.net.http.HttpConnectTimeoutException;
            return new Answer(0, NullNode.instance, e.getClass().getSimpleName() + ": " + e.getMessage(), neverSent);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Answer(0, NullNode.instance, "interrupted", false);
        }
    }
}
