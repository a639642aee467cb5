package kvstore.jepsen.load;

import com.fasterxml.jackson.core.JsonProcessingException;
import kvstore.node.server.Json;
import kvstore.node.server.KeyPath;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;

/** How one store is asked to read and write a key: this store's REST API, or etcd's v3 JSON gateway. */
interface Target {
    /** @param body a JSON document, or null for none */
    record Request(String method, String path, byte[] body) {
        private static final Map<String, String> JSON_BODY = Map.of("Content-Type", "application/json");

        Map<String, String> headers() {
            return body == null ? Map.of() : JSON_BODY;
        }
    }

    /** A JSON object of string fields, in order: name, value, name, value... */
    static byte[] json(String... fields) {
        var object = Json.object();
        for (int i = 0; i < fields.length; i += 2) {
            object.put(fields[i], fields[i + 1]);
        }
        try {
            return Json.MAPPER.writeValueAsBytes(object);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a tree of strings always serializes", e);
        }
    }

    Request write(String key, String value);

    Request read(String key);

    /** Whether a response status means the operation succeeded. */
    boolean ok(boolean read, int status);

    static Target named(String name) {
        return switch (name) {
            case "kvstore" -> new Kvstore();
            case "etcd" -> new Etcd();
            default -> throw new IllegalArgumentException("--target is kvstore or etcd, not '" + name + "'");
        };
    }

    /** PUT /data/{key} and GET /data/{key}: every operation ordered by the primary and replicated to all. */
    final class Kvstore implements Target {
        @Override
        public Request write(String key, String value) {
            return new Request("PUT", KeyPath.of(key), json("value", value));
        }

        @Override
        public Request read(String key) {
            return new Request("GET", KeyPath.of(key), null);
        }

        @Override
        public boolean ok(boolean read, int status) {
            return status == 200 || status == 201 || read && status == 404;
        }
    }

    /** POST /v3/kv/put and /v3/kv/range (linearizable: serializable is false by default), keys in base64. */
    final class Etcd implements Target {
        private static String b64(String s) {
            return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
        }

        @Override
        public Request write(String key, String value) {
            return new Request("POST", "/v3/kv/put", json("key", b64(key), "value", b64(value)));
        }

        @Override
        public Request read(String key) {
            return new Request("POST", "/v3/kv/range", json("key", b64(key)));
        }

        @Override
        public boolean ok(boolean read, int status) {
            return status == 200;
        }
    }
}
