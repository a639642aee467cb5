package kvstore.node.wire;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import kvstore.node.core.Command;
import kvstore.node.core.Message;
import kvstore.node.core.Message.Ack;
import kvstore.node.core.Message.ClientReply;
import kvstore.node.core.Message.ClientRequest;
import kvstore.node.core.Message.NewView;
import kvstore.node.core.Message.Replicate;
import kvstore.node.core.Message.StateTransfer;
import kvstore.node.core.RequestId;
import kvstore.node.core.Result;

import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * The core's messages as JSON, for node-to-node traffic. Written out field by field rather than by reflection so
 * the wire format is visible here, and so the core stays free of any serialization annotations. A message that
 * does not decode is rejected whole ({@link IllegalArgumentException}); the sender's retransmission covers it.
 */
public final class WireCodec {
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private WireCodec() {
    }

    public static ObjectNode encode(Message message) {
        ObjectNode o = JSON.objectNode();
        switch (message) {
            case ClientRequest r -> {
                o.put("type", "request");
                o.set("id", encode(r.id()));
                o.set("command", encode(r.command()));
                o.put("forwarded", r.forwarded());
            }
            case ClientReply r -> {
                o.put("type", "reply");
                o.set("id", encode(r.id()));
                o.set("result", encode(r.result()));
            }
            case Replicate r -> {
                o.put("type", "replicate");
                o.put("view", r.view());
                o.put("seq", r.seq());
                o.set("id", encode(r.id()));
                o.set("command", encode(r.command()));
            }
            case Ack a -> {
                o.put("type", "ack");
                o.put("view", a.view());
                o.put("seq", a.seq());
                o.put("incarnation", a.incarnation());
            }
            case StateTransfer s -> {
                o.put("type", "state");
                o.put("view", s.view());
                o.put("seq", s.seq());
                o.set("data", encode(s.data()));
                ArrayNode done = o.putArray("done");
                s.done().forEach((id, result) -> done.addObject().setAll(Map.of("id", encode(id),
                        "result", encode(result))));
                o.put("incarnation", s.incarnation());
            }
            case NewView v -> throw new IllegalArgumentException(
                    "views travel between nodes as view documents, not as core messages");
        }
        return o;
    }

    public static Message decode(JsonNode o) {
        String type = text(o, "type");
        return switch (type) {
            case "request" -> new ClientRequest(requestId(o.get("id")), command(o.get("command")),
                    o.path("forwarded").asBoolean(false));
            case "reply" -> new ClientReply(requestId(o.get("id")), result(o.get("result")));
            case "replicate" -> new Replicate(number(o, "view"), number(o, "seq"), requestId(o.get("id")),
                    command(o.get("command")));
            case "ack" -> new Ack(number(o, "view"), number(o, "seq"), number(o, "incarnation"));
            case "state" -> {
                Map<RequestId, Result> done = new HashMap<>();
                for (JsonNode d : array(o, "done")) {
                    done.put(requestId(d.get("id")), result(d.get("result")));
                }
                yield new StateTransfer(number(o, "view"), number(o, "seq"), stringMap(o.get("data")), done,
                        number(o, "incarnation"));
            }
            default -> throw new IllegalArgumentException("unknown message type '" + type + "'");
        };
    }

    // ---- parts ----------------------------------------------------------------------------------------------

    private static ObjectNode encode(RequestId id) {
        ObjectNode o = JSON.objectNode();
        o.put("client", id.client());
        o.put("number", id.number());
        return o;
    }

    private static RequestId requestId(JsonNode o) {
        require(o != null && o.isObject(), "a request id must be an object");
        return new RequestId(text(o, "client"), number(o, "number"));
    }

    private static ObjectNode encode(Command c) {
        ObjectNode o = JSON.objectNode();
        o.put("kind", c.kind().name());
        o.put("key", c.key());
        o.put("value", c.value());
        o.put("expected", c.expected());
        return o;
    }

    private static Command command(JsonNode o) {
        require(o != null && o.isObject(), "a command must be an object");
        Command.Kind kind;
        try {
            kind = Command.Kind.valueOf(text(o, "kind"));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown command kind " + o.get("kind"));
        }
        Command c = new Command(kind, optionalText(o, "key"), optionalText(o, "value"), optionalText(o, "expected"));
        // What each kind needs, checked here: a malformed command must not reach the core (a put without a value
        // would be stored, replicated, and break every later state transfer).
        require(kind == Command.Kind.GET_ALL || c.key() != null, kind + " needs a key");
        require(kind != Command.Kind.PUT && kind != Command.Kind.CAS || c.value() != null, kind + " needs a value");
        return c;
    }

    private static ObjectNode encode(Result r) {
        ObjectNode o = JSON.objectNode();
        o.put("status", r.status().name());
        o.put("value", r.value());
        if (r.all() != null) {
            o.set("all", encode(r.all()));
        }
        o.put("seq", r.seq());
        o.put("detail", r.detail());
        return o;
    }

    private static Result result(JsonNode o) {
        require(o != null && o.isObject(), "a result must be an object");
        Result.Status status;
        try {
            status = Result.Status.valueOf(text(o, "status"));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown result status " + o.get("status"));
        }
        Map<String, String> all = o.hasNonNull("all") ? stringMap(o.get("all")) : null;
        return new Result(status, optionalText(o, "value"), all, number(o, "seq"), optionalText(o, "detail"));
    }

    private static ObjectNode encode(Map<String, String> data) {
        ObjectNode o = JSON.objectNode();
        data.forEach(o::put);
        return o;
    }

    private static Map<String, String> stringMap(JsonNode o) {
        require(o != null && o.isObject(), "data must be an object of strings");
        Map<String, String> data = new TreeMap<>();
        for (Map.Entry<String, JsonNode> e : o.properties()) {
            require(e.getValue().isTextual(), "data values must be strings");
            data.put(e.getKey(), e.getValue().textValue());
        }
        return data;
    }

    private static String text(JsonNode o, String field) {
        JsonNode v = o.get(field);
        require(v != null && v.isTextual(), "'" + field + "' must be a string");
        return v.textValue();
    }

    private static String optionalText(JsonNode o, String field) {
        JsonNode v = o.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        require(v.isTextual(), "'" + field + "' must be a string or null");
        return v.textValue();
    }

    private static long number(JsonNode o, String field) {
        JsonNode v = o.get(field);
        require(v != null && v.canConvertToLong() && v.isIntegralNumber(), "'" + field + "' must be an integer");
        return v.longValue();
    }

    private static JsonNode array(JsonNode o, String field) {
        JsonNode v = o.get(field);
        require(v != null && v.isArray(), "'" + field + "' must be an array");
        return v;
    }

    private static void require(boolean condition, String problem) {
        if (!condition) {
            throw new IllegalArgumentException(problem);
        }
    }
}
