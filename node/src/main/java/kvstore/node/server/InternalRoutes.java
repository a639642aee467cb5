package kvstore.node.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import kvstore.node.core.Message;
import kvstore.node.wire.WireCodec;

import java.util.ArrayList;
import java.util.List;

/**
 * {@code POST /internal/messages}: node-to-node traffic, separate from {@code /data}. One request carries a batch
 * {@code {"from": "<node id>", "messages": [...]}} of core messages and passed-on view documents. It is answered
 * at once (202); the answers, if any, travel back as messages of their own, as on the simulator's network.
 */
final class InternalRoutes {
    static final String TOKEN_HEADER = "X-Cluster-Token";

    private final ReplicaHost host;
    private final ClusterToken token;

    InternalRoutes(ReplicaHost host, ClusterToken token) {
        this.host = host;
        this.token = token;
    }

    void register(HttpRouting.Builder routing) {
        routing.post("/internal/messages", this::receive);
    }

    private record Item(Message message, ViewDocument view) {
    }

    private void receive(ServerRequest req, ServerResponse res) {
        token.check(req);
        ObjectNode envelope = Bodies.jsonObject(req, Bodies.INTERNAL_LIMIT);
        JsonNode from = envelope.get("from");
        JsonNode messages = envelope.get("messages");
        if (from == null || !from.isTextual() || messages == null || !messages.isArray()) {
            throw new ApiError(400, "expected {\"from\": \"<node id>\", \"messages\": [...]}");
        }
        // Decode the whole batch before delivering any of it: a bad batch changes nothing.
        List<Item> items = new ArrayList<>(messages.size());
        for (JsonNode m : messages) {
            if ("view".equals(m.path("type").asText())) {
                JsonNode doc = m.get("document");
                if (doc == null || !doc.isObject()) {
                    throw new ApiError(400, "a view message needs a 'document' object");
                }
                ViewDocument view = ViewDocument.parse((ObjectNode) doc);
                if (view.epoch() == null) {
                    throw new ApiError(400, "a view passed on between nodes must carry its epoch");
                }
                items.add(new Item(null, view));
            } else {
                try {
                    items.add(new Item(WireCodec.decode(m), null));
                } catch (IllegalArgumentException e) {
                    throw new ApiError(400, "bad message: " + e.getMessage());
                }
            }
        }
        List<Message> messagesInOrder = new ArrayList<>(items.size());
        for (Item item : items) {
            if (item.view() != null) {
                host.receive(from.textValue(), List.copyOf(messagesInOrder)); // what came before the view, first
                messagesInOrder.clear();
                host.installView(item.view(), true);
            } else {
                messagesInOrder.add(item.message());
            }
        }
        host.receive(from.textValue(), messagesInOrder);
        Bodies.send(res, 202, Json.object().put("accepted", items.size()));
    }
}
