package kvstore.node.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import kvstore.core.Message;
import kvstore.node.wire.WireCodec;

import java.util.ArrayList;
import java.util.List;

/**
 * {@code POST /internal/messages}: node-to-node traffic, separate from {@code /data}. One request carries a batch
 * {@code {"from": "<node id>", "messages": [...]}} of core messages. It is answered
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

    private void receive(ServerRequest req, ServerResponse res) {
        token.check(req);
        ObjectNode envelope = Bodies.jsonObject(req, Bodies.INTERNAL_LIMIT);
        JsonNode from = envelope.get("from");
        JsonNode messages = envelope.get("messages");
        if (from == null || !from.isTextual() || messages == null || !messages.isArray()) {
            throw new ApiError(400, "expected {\"from\": \"<node id>\", \"messages\": [...]}");
        }
        JsonNode address = envelope.get("address");
        if (address != null && (!address.isTextual() || !ViewDocument.isAddress(address.textValue())
                || !ViewDocument.isNodeId(from.textValue()))) {
            throw new ApiError(400, "'address' must be the sender's host:port, not " + address);
        }
        // Decode the whole batch before delivering any of it: a bad batch changes nothing.
        List<Message> decoded = new ArrayList<>(messages.size());
        for (JsonNode m : messages) {
            try {
                decoded.add(WireCodec.decode(m));
            } catch (IllegalArgumentException e) {
                throw new ApiError(400, "bad message: " + e.getMessage());
            }
        }
        if (address != null) {
            host.learnReturnAddress(from.textValue(), address.textValue());
        }
        host.receive(from.textValue(), decoded);
        Bodies.send(res, 202, Json.object().put("accepted", decoded.size()));
    }
}
