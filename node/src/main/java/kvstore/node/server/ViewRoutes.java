package kvstore.node.server;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/**
 * {@code /view}: an operator installs a view on a node and reads it back. The prototype's documents, plus the
 * optional {@code epoch} (see {@link ViewChange}) and {@code role}.
 */
final class ViewRoutes {
    private final ReplicaHost host;
    private final long nodeId;
    private final ClusterToken token;

    ViewRoutes(ReplicaHost host, long nodeId, ClusterToken token) {
        this.host = host;
        this.nodeId = nodeId;
        this.token = token;
    }

    void register(HttpRouting.Builder routing) {
        routing.put("/view", this::put).get("/view", this::get);
    }

    private void put(ServerRequest req, ServerResponse res) {
        token.check(req);
        ViewDocument doc = ViewDocument.parse(Bodies.jsonObject(req, Bodies.CLIENT_LIMIT));
        ReplicaHost.ViewOutcome outcome = host.installView(doc, false);
        if (outcome.kind() == ViewChange.Kind.STALE) {
            String why = outcome.refusal() != null ? outcome.refusal()
                    : "epoch " + doc.epoch() + " is not newer than this node's epoch "
                    + host.status().view().epoch() + " (or names another view with the same epoch)";
            throw new ApiError(409, why);
        }
        ObjectNode body = Json.object();
        if (!outcome.document().isMember(nodeId)) {
            body.put("message", "Not in View");
        } else {
            body.put("message", "View updated")
                    .put("role", outcome.document().primary() == nodeId ? "primary" : "backup");
        }
        body.put("epoch", outcome.document().epoch());
        Bodies.send(res, 200, body);
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
        kvstore.node.core.NodeState state = status.state();
        body.put("synced", state.synced()).put("syncedEpoch", state.syncedView())
                .put("incarnation", state.incarnation()).put("voter", state.voter()).put("fenced", state.fenced());
        Bodies.send(res, 200, body);
    }
}
