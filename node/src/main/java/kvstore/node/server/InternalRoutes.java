package kvstore.node.server;

import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import kvstore.core.Message;
import kvstore.core.MessageCodec;

import java.util.List;

/**
 * {@code POST /internal/messages}: node-to-node traffic, separate from {@code /data}. The body is a batch of core
 * messages in the core's one format ({@link MessageCodec}); the sender names itself in {@value #FROM_NODE}, and
 * may give the address it listens on in {@value #RETURN_ADDRESS} (so that a node that knows no view yet can
 * answer). Answered at once (202); the answers, if any, travel back as messages of their own, as on the
 * simulator's network.
 */
final class InternalRoutes {
    static final String TOKEN_HEADER = "X-Cluster-Token";
    static final String FROM_NODE = "X-From-Node";
    static final String RETURN_ADDRESS = "X-Return-Address";

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
        String from = req.headers().first(io.helidon.http.HeaderNames.create(FROM_NODE)).orElse(null);
        if (from == null || !ViewDocument.isNodeId(from)) {
            throw new ApiError(400, "expected the sender's node id in " + FROM_NODE + ", not " + from);
        }
        String address = req.headers().first(io.helidon.http.HeaderNames.create(RETURN_ADDRESS)).orElse(null);
        if (address != null && !ViewDocument.isAddress(address)) {
            throw new ApiError(400, RETURN_ADDRESS + " must be the sender's host:port, not " + address);
        }
        byte[] body = Bodies.messageBatch(req, Bodies.INTERNAL_LIMIT);
        List<Message> decoded; // the whole batch before any of it is delivered: a bad batch changes nothing
        try {
            decoded = MessageCodec.decode(body);
        } catch (IllegalArgumentException e) {
            throw new ApiError(400, "bad batch: " + e.getMessage());
        }
        if (address != null) {
            host.learnReturnAddress(from, address);
        }
        host.receive(from, decoded);
        Bodies.send(res, 202, Json.object().put("accepted", decoded.size()));
    }
}
