package kvstore.jepsen.load;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

/** How one store is asked to read and write a key: this store's REST API, or etcd's v3 JSON gateway. */
interface Target {
    record Request(String method, String path, byte[] body) {
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
            return new Request("PUT", "/data/" + key, ("{\"value\":\"" + value + "\"}")
                    .getBytes(StandardCharsets.UTF_8));
        }

        @Override
        public Request read(String key) {
            return new Request("GET", "/data/" + key, null);
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
            return new Request("POST", "/v3/kv/put", ("{\"key\":\"" + b64(key) + "\",\"value\":\"" + b64(value)
                    + "\"}").getBytes(StandardCharsets.UTF_8));
        }

        @Override
        public Request read(String key) {
            return new Request("POST", "/v3/kv/range", ("{\"key\":\"" + b64(key) + "\"}")
                    .getBytes(StandardCharsets.UTF_8));
        }

        @Override
        public boolean ok(boolean read, int status) {
            return status == 200;
        }
    }
}
