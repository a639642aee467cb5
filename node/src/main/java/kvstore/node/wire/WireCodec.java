package kvstore.node.wire;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import kvstore.core.ChainId;
import kvstore.core.Command;
import kvstore.core.Message;
import kvstore.core.Message.Ack;
import kvstore.core.Message.ClientReply;
import kvstore.core.Message.ClientRequest;
import kvstore.core.Message.NewView;
import kvstore.core.Message.Replicate;
import kvstore.core.LoggedOp;
import kvstore.core.RequestId;
import kvstore.core.Result;
import kvstore.core.View;

import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * The core's messages as JSON, for node-to-node traffic. Written out field by field rather than by reflection so
 * the wire format is visible here, and so the core stays free of any serialization annotations. A message that
 * does not decode is rejected whole ({@link IllegalArgumentException}); the sender's retransmission covers it.
 */
public final class WireCodec {

    private WireCodec() {
    }

    /**
     * Writes one message as a JSON object, field by field, straight to the generator: node-to-node traffic is the
     * hot path, and building a tree per message first cost a good share of a node's CPU.
     */
    public static void write(JsonGenerator g, Message message) throws IOException {
        g.writeStartObject();
        switch (message) {
            case ClientRequest r -> {
                g.writeStringField("type", "request");
                writeId(g, r.id());
                writeCommand(g, r.command());
                g.writeBooleanField("forwarded", r.forwarded());
            }
            case ClientReply r -> {
                g.writeStringField("type", "reply");
                writeId(g, r.id());
                g.writeFieldName("result");
                writeResult(g, r.result());
            }
            case Replicate r -> {
                g.writeStringField("type", "replicate");
                g.writeNumberField("view", r.view());
                g.writeNumberField("seq", r.seq());
                writeId(g, r.id());
                writeCommand(g, r.command());
                g.writeNumberField("chainStart", r.chainStart());
                g.writeNumberField("primaryIncarnation", r.primaryIncarnation());
            }
            case Ack a -> {
                g.writeStringField("type", "ack");
                g.writeNumberField("view", a.view());
                g.writeNumberField("seq", a.seq());
                g.writeNumberField("incarnation", a.incarnation());
                g.writeNumberField("chainStart", a.chainStart());
                g.writeNumberField("primaryIncarnation", a.primaryIncarnation());
                if (a.keptLog()) {
                    g.writeBooleanField("keptLog", true);
                }
                if (!a.lineage().isEmpty()) {
                    writeLineage(g, a.lineage());
                }
                if (a.held() != 0) {
                    g.writeNumberField("held", a.held());
                }
            }
            case Message.CatchUpAck a -> {
                g.writeStringField("type", "catchUpAck");
                g.writeNumberField("view", a.view());
                g.writeNumberField("incarnation", a.incarnation());
                g.writeNumberField("transfer", a.transfer());
                g.writeNumberField("batch", a.batch());
                if (a.heldChain() != null) {
                    g.writeFieldName("heldChain");
                    writeChain(g, a.heldChain());
                    g.writeNumberField("held", a.held());
                }
            }
            case Message.StateRequest r -> {
                g.writeStringField("type", "stateRequest");
                g.writeNumberField("view", r.view());
            }
            case Message.StateOffer o -> {
                writeState(g, "stateOffer", o.view(), o.seq(), o.data(), o.done());
                writeLineage(g, o.lineage());
            }
            case Message.Heartbeat h -> {
                g.writeStringField("type", "heartbeat");
                g.writeNumberField("view", h.view());
                g.writeNumberField("chainStart", h.chainStart());
                g.writeNumberField("primaryIncarnation", h.primaryIncarnation());
            }
            case Message.CatchUp c -> writeCatchUp(g, c);
            case NewView v -> throw new IllegalArgumentException(
                    "views travel between nodes as view documents, not as core messages");
            case Message.Unreachable u -> throw new IllegalArgumentException(
                    "an unreachable peer is the sender's transport's own notice, never sent");
            case Message.PassOn p -> {
                g.writeStringField("type", "passOn");
                g.writeFieldName("view");
                writeView(g, p.view());
            }
            case Message.FoundingQuery q -> g.writeStringField("type", "foundingQuery");
            case Message.FoundingAnswer a -> {
                g.writeStringField("type", "foundingAnswer");
                g.writeNumberField("syncedView", a.syncedView());
            }
            case Message.UnnumberedView u -> throw operatorOnly(u);
            case Message.ViewReply r -> throw operatorOnly(r);
            case Message.Probe m -> throw controllerOnly(m);
            case Message.Status m -> throw controllerOnly(m);
            case Message.Prepare m -> throw controllerOnly(m);
            case Message.Promise m -> throw controllerOnly(m);
            case Message.Accept m -> throw controllerOnly(m);
            case Message.Accepted m -> throw controllerOnly(m);
            case Message.Refused m -> throw controllerOnly(m);
        }
        g.writeEndObject();
    }

    private static IllegalArgumentException operatorOnly(Message m) {
        return new IllegalArgumentException("an operator talks to a node through PUT /view, not the peer link: "
                + m.getClass().getSimpleName());
    }

    private static void writeView(JsonGenerator g, View v) throws IOException {
        g.writeStartObject();
        g.writeNumberField("number", v.number());
        g.writeStringField("primary", v.primary());
        g.writeArrayFieldStart("backups");
        for (String b : v.backups()) {
            g.writeString(b);
        }
        g.writeEndArray();
        g.writeNumberField("primaryIncarnation", v.primaryIncarnation());
        g.writeNumberField("basis", v.basis());
        g.writeEndObject();
    }

    private static View view(JsonNode o) {
        require(o != null && o.isObject(), "a view must be an object");
        java.util.List<String> backups = new java.util.ArrayList<>();
        for (JsonNode b : array(o, "backups")) {
            require(b.isTextual(), "backups are node ids");
            backups.add(b.textValue());
        }
        long number = number(o, "number");
        require(number > 0 && number <= View.MAX_NUMBER, "a view number is from 1 to " + View.MAX_NUMBER);
        try {
            return new View(number, text(o, "primary"), backups, number(o, "primaryIncarnation"), number(o, "basis"));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("not a valid view: " + e.getMessage());
        }
    }

    private static IllegalArgumentException controllerOnly(Message m) {
        return new IllegalArgumentException("a controller talks to nodes through the /view endpoints, not the "
                + "peer link: " + m.getClass().getSimpleName());
    }

    /** The message as a JSON tree (tests, and anything not on the hot path). */
    public static ObjectNode encode(Message message) {
        try {
            java.io.StringWriter out = new java.io.StringWriter();
            try (JsonGenerator g = TREES.getFactory().createGenerator(out)) {
                write(g, message);
            }
            return (ObjectNode) TREES.readTree(out.toString());
        } catch (IOException e) {
            throw new IllegalStateException("writing to memory cannot fail", e);
        }
    }

    private static final com.fasterxml.jackson.databind.ObjectMapper TREES =
            new com.fasterxml.jackson.databind.ObjectMapper();

    private static void writeId(JsonGenerator g, RequestId id) throws IOException {
        g.writeObjectFieldStart("id");
        g.writeStringField("client", id.client());
        g.writeNumberField("number", id.number());
        g.writeEndObject();
    }

    private static void writeCommand(JsonGenerator g, Command c) throws IOException {
        g.writeObjectFieldStart("command");
        g.writeStringField("kind", c.kind().name());
        g.writeStringField("key", c.key());
        g.writeStringField("value", c.value());
        g.writeStringField("expected", c.expected());
        g.writeEndObject();
    }

    private static void writeResult(JsonGenerator g, Result r) throws IOException {
        g.writeStartObject();
        g.writeStringField("status", r.status().name());
        g.writeStringField("value", r.value());
        if (r.all() != null) {
            g.writeFieldName("all");
            writeMap(g, r.all());
        }
        g.writeNumberField("seq", r.seq());
        g.writeStringField("detail", r.detail());
        g.writeEndObject();
    }

    private static void writeCatchUp(JsonGenerator g, Message.CatchUp c) throws IOException {
        g.writeStringField("type", "catchUp");
        g.writeNumberField("view", c.view());
        g.writeNumberField("incarnation", c.incarnation());
        g.writeNumberField("primaryIncarnation", c.primaryIncarnation());
        g.writeNumberField("transfer", c.transfer());
        g.writeNumberField("batch", c.batch());
        g.writeNumberField("from", c.from());
        g.writeBooleanField("full", c.full());
        if (c.expect() != null) {
            g.writeFieldName("expect");
            writeChain(g, c.expect());
        }
        g.writeArrayFieldStart("ops");
        for (LoggedOp op : c.ops()) {
            g.writeStartObject();
            g.writeNumberField("seq", op.seq());
            g.writeFieldName("chain");
            writeChain(g, op.chain());
            writeId(g, op.id());
            writeCommand(g, op.command());
            if (op.result() != null) {
                g.writeFieldName("result");
                writeResult(g, op.result());
            }
            g.writeEndObject();
        }
        g.writeEndArray();
        writeDone(g, c.results());
        g.writeFieldName("data");
        writeMap(g, c.data());
        g.writeBooleanField("dataDone", c.dataDone());
        g.writeBooleanField("complete", c.complete());
        writeLineage(g, c.lineage());
    }

    private static Message.CatchUp catchUp(JsonNode o) {
        java.util.List<LoggedOp> ops = new java.util.ArrayList<>();
        for (JsonNode op : array(o, "ops")) {
            require(op.isObject(), "ops are objects");
            ops.add(new LoggedOp(number(op, "seq"), chain(op.get("chain")), requestId(op.get("id")),
                    command(op.get("command")), op.hasNonNull("result") ? result(op.get("result")) : null));
        }
        long batch = number(o, "batch");
        require(batch >= 0 && batch <= Integer.MAX_VALUE, "a batch number is from 0");
        return new Message.CatchUp(number(o, "view"), number(o, "incarnation"), number(o, "primaryIncarnation"),
                number(o, "transfer"), (int) batch, number(o, "from"), flag(o, "full"),
                o.hasNonNull("expect") ? chain(o.get("expect")) : null, ops, done(o), stringMap(o.get("data")),
                flag(o, "dataDone"), flag(o, "complete"), lineage(o));
    }

    private static void writeChain(JsonGenerator g, ChainId c) throws IOException {
        g.writeStartObject();
        g.writeStringField("primary", c.primary());
        g.writeNumberField("incarnation", c.incarnation());
        g.writeNumberField("start", c.start());
        g.writeEndObject();
    }

    private static ChainId chain(JsonNode c) {
        require(c != null && c.isObject(), "a chain is an object");
        return new ChainId(text(c, "primary"), number(c, "incarnation"), number(c, "start"));
    }

    /** A state offer: the whole store, and the answers it recorded, as of seq. */
    private static void writeState(JsonGenerator g, String type, long view, long seq, Map<String, String> data,
                                   Map<RequestId, Result> done) throws IOException {
        g.writeStringField("type", type);
        g.writeNumberField("view", view);
        g.writeNumberField("seq", seq);
        g.writeFieldName("data");
        writeMap(g, data);
        writeDone(g, done);
    }

    private static void writeLineage(JsonGenerator g, java.util.List<ChainId> lineage) throws IOException {
        g.writeArrayFieldStart("lineage");
        for (ChainId c : lineage) {
            writeChain(g, c);
        }
        g.writeEndArray();
    }

    private static java.util.List<ChainId> lineage(JsonNode o) {
        java.util.List<ChainId> out = new java.util.ArrayList<>();
        if (!o.has("lineage")) {
            return out;
        }
        for (JsonNode c : array(o, "lineage")) {
            out.add(chain(c));
        }
        return out;
    }

    private static void writeDone(JsonGenerator g, Map<RequestId, Result> done) throws IOException {
        g.writeArrayFieldStart("done");
        for (Map.Entry<RequestId, Result> d : done.entrySet()) {
            g.writeStartObject();
            writeId(g, d.getKey());
            g.writeFieldName("result");
            writeResult(g, d.getValue());
            g.writeEndObject();
        }
        g.writeEndArray();
    }

    private static Map<RequestId, Result> done(JsonNode o) {
        Map<RequestId, Result> done = new java.util.LinkedHashMap<>();
        for (JsonNode d : array(o, "done")) {
            done.put(requestId(d.get("id")), result(d.get("result")));
        }
        return done;
    }

    private static void writeMap(JsonGenerator g, Map<String, String> data) throws IOException {
        g.writeStartObject();
        for (Map.Entry<String, String> e : data.entrySet()) {
            g.writeStringField(e.getKey(), e.getValue());
        }
        g.writeEndObject();
    }

    public static Message decode(JsonNode o) {
        String type = text(o, "type");
        return switch (type) {
            case "request" -> new ClientRequest(requestId(o.get("id")), command(o.get("command")),
                    o.path("forwarded").asBoolean(false));
            case "reply" -> new ClientReply(requestId(o.get("id")), result(o.get("result")));
            case "replicate" -> new Replicate(number(o, "view"), number(o, "seq"), requestId(o.get("id")),
                    command(o.get("command")), number(o, "chainStart"), number(o, "primaryIncarnation"));
            case "ack" -> new Ack(number(o, "view"), number(o, "seq"), number(o, "incarnation"),
                    number(o, "chainStart"), number(o, "primaryIncarnation"), flag(o, "keptLog"), lineage(o),
                    o.has("held") ? number(o, "held") : 0);
            case "catchUpAck" -> {
                long batch = number(o, "batch");
                require(batch >= -1 && batch <= Integer.MAX_VALUE, "a batch number is from -1");
                yield new Message.CatchUpAck(number(o, "view"), number(o, "incarnation"), number(o, "transfer"),
                        (int) batch, o.hasNonNull("heldChain") ? chain(o.get("heldChain")) : null,
                        o.has("held") ? number(o, "held") : 0);
            }
            case "catchUp" -> catchUp(o);
            case "stateRequest" -> new Message.StateRequest(number(o, "view"));
            case "stateOffer" -> new Message.StateOffer(number(o, "view"), number(o, "seq"),
                    stringMap(o.get("data")), done(o), lineage(o));
            case "heartbeat" -> new Message.Heartbeat(number(o, "view"), number(o, "chainStart"),
                    number(o, "primaryIncarnation"));
            case "passOn" -> new Message.PassOn(view(o.get("view")));
            case "foundingQuery" -> new Message.FoundingQuery();
            case "foundingAnswer" -> new Message.FoundingAnswer(number(o, "syncedView"));
            default -> throw new IllegalArgumentException("unknown message type '" + type + "'");
        };
    }

    // ---- parts ----------------------------------------------------------------------------------------------

    private static RequestId requestId(JsonNode o) {
        require(o != null && o.isObject(), "a request id must be an object");
        return new RequestId(text(o, "client"), number(o, "number"));
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

    /** An optional flag: absent means false. */
    private static boolean flag(JsonNode o, String field) {
        JsonNode v = o.get(field);
        require(v == null || v.isBoolean(), "'" + field + "' must be true or false");
        return v != null && v.booleanValue();
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
