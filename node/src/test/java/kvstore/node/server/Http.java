package kvstore.node.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;

import kvstore.node.http.HttpConnection;
import kvstore.node.http.HttpResponseReader;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;

/** A small HTTP client for the tests, speaking to nodes as a user's script would. */
final class Http {
    private static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2)).build();

    /** @param bytes the body as it came (a batch of core messages is not text) */
    record Response(int status, JsonNode body, Long msgNum, String raw, byte[] bytes) {
        String error() {
            return body.path("error").asText(null);
        }

        @Override
        public String toString() {
            return status + " " + raw + (msgNum == null ? "" : " Msg-Num=" + msgNum);
        }
    }

    private Http() {
    }

    /** The prototype's view document of these members: no epoch, no primary (the lowest id leads). */
    static String viewDocument(java.util.function.LongFunction<String> addressOf, long... members) {
        java.util.StringJoiner list = new java.util.StringJoiner(", ", "{\"view\": [", "]}");
        for (long id : members) {
            list.add("{\"address\": \"" + addressOf.apply(id) + "\", \"id\": " + id + "}");
        }
        return list.toString();
    }

    static String valueBody(String value) {
        return Json.write(Json.object().put("value", value));
    }

    static Response put(String address, String key, String value) {
        return send("PUT", address, KeyPath.of(key), valueBody(value));
    }

    static Response cas(String address, String key, String expected, String value) {
        return send("PUT", address, KeyPath.of(key), Json.write(Json.object().put("value", value)
                .put("expect", expected)));
    }

    static Response get(String address, String key) {
        return send("GET", address, KeyPath.of(key), null);
    }

    static Response delete(String address, String key) {
        return send("DELETE", address, KeyPath.of(key), null);
    }

    static Response getAll(String address) {
        return send("GET", address, "/data", null);
    }

    /** A body-less request written byte for byte on a socket, for paths no URI class would accept. */
    static Response sendRaw(String method, String address, String path) {
        try (HttpConnection connection = new HttpConnection(address, Duration.ofSeconds(10))) {
            HttpResponseReader.Response r = connection.send(method, path, Map.of("Connection", "close"), null);
            String body = r.text();
            return new Response(r.status(), body.isEmpty() ? NullNode.instance : Json.MAPPER.readTree(body), null, body,
                    r.body());
        } catch (IOException e) {
            throw new UncheckedIOException(method + " " + address + path + " failed", e);
        }
    }

    static Response send(String method, String address, String path, String body, String... headers) {
        return sendBytes(method, address, path, body == null ? null : body.getBytes(StandardCharsets.UTF_8), headers);
    }

    static Response sendBytes(String method, String address, String path, byte[] body, String... headers) {
        URI uri;
        try {
            uri = URI.create("http://" + address + path);
        } catch (IllegalArgumentException malformed) {
            return sendRaw(method, address, path); // java.net.http cannot send a malformed path; a socket can
        }
        HttpRequest.Builder request = HttpRequest.newBuilder(uri)
                .timeout(Duration.ofSeconds(10))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofByteArray(body));
        boolean typed = false;
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
            typed |= headers[i].equalsIgnoreCase("Content-Type");
        }
        if (body != null && !typed) {
            request.header("Content-Type", "application/json");
        }
        try {
            HttpResponse<byte[]> r = CLIENT.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
            boolean isJson = r.headers().firstValue("Content-Type").orElse("application/json").contains("json");
            String text = isJson ? new String(r.body(), StandardCharsets.UTF_8) : r.body().length + " bytes";
            JsonNode json = !isJson || text.isEmpty() ? NullNode.instance : Json.MAPPER.readTree(text);
            Long msgNum = r.headers().firstValue("Msg-Num").map(Long::valueOf).orElse(null);
            return new Response(r.statusCode(), json, msgNum, text, r.body());
        } catch (IOException e) {
            throw new UncheckedIOException(method + " " + address + path + " failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
