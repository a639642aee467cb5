package kvstore.node.server;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import kvstore.core.Message.ViewReply;
import kvstore.core.View;

/**
 * {@code /view}: an operator installs a view on a node and reads it back. The prototype's documents, plus the
 * optional {@code epoch} and {@code role}. The core numbers, installs or refuses the view (docs/protocol.md).
 */
final class ViewRoutes {
    private final ReplicaHost host;
    private final Bodies.Deadline bodyDeadline; // a client's body must arrive in time
    private final long nodeId;
    private final ClusterToken token;
    private final java.time.Duration answerTimeout;

    ViewRoutes(ReplicaHost host, long nodeId, ClusterToken token, java.time.Duration answerTimeout,
               Bodies.Deadline bodyDeadline) {
        this.host = host;
        this.nodeId = nodeId;
        this.token = token;
        this.answerTimeout = answerTimeout;
        this.bodyDeadline = bodyDeadline;
    }

    void register(HttpRouting.Builder routing) {
        routing.put("/view", this::put).get("/view", this::get).get("/view/state", this::state);
    }

    private void put(ServerRequest req, ServerResponse res) {
        token.check(req);
        ViewDocument doc = ViewDocument.parse(Bodies.jsonObject(req, Bodies.CLIENT_LIMIT, bodyDeadline));
        ViewReply reply = host.installView(doc, answerTimeout);
        if (reply.refusal() != null) {
            throw new ApiError(409, reply.refusal());
        }
        ObjectNode body = Json.object();
        View held = reply.view();
        if (!held.isMember(String.valueOf(nodeId))) {
            body.put("message", "Not in View");
        } else {
            body.put("message", "View updated")
                    .put("role", held.primary().equals(String.valueOf(nodeId)) ? "primary" : "backup");
        }
        body.put("epoch", held.number());
        Bodies.send(res, 200, body);
    }

    /** What this node would tell a controller (docs/api.md, "GET /view/state"). */
    private void state(ServerRequest req, ServerResponse res) {
        Bodies.send(res, 200, NodeStateJson.state(host.status().state()));
    }

    private void get(ServerRequest req, ServerResponse res) {
        ReplicaHost.Status status = host.status();
        ObjectNode body;
        if (status.view() == null) {
            body = Json.object();
            body.putArray("view");
            body.put("epoch", 0).put("role", "none");
        } else {
            body = status.view().toJson();
            body.put("role", status.primary() ? "primary" : status.view().isMember(nodeId) ? "backup" : "none");
        }
        kvstore.core.NodeState state = status.state();
        body.put("synced", state.synced()).put("syncedEpoch", state.syncedView())
                .put("incarnation", state.incarnation()).put("voter", state.voter()).put("fenced", state.fenced());
        Bodies.send(res, 200, body);
    }
}
