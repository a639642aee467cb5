package kvstore.node.server;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import kvstore.node.control.ControllerJson;
import kvstore.core.Message;
import kvstore.core.Message.Accept;
import kvstore.core.Message.Accepted;
import kvstore.core.Message.Prepare;
import kvstore.core.Message.Probe;
import kvstore.core.Message.Promise;
import kvstore.core.Message.Refused;
import kvstore.core.Message.Status;
import kvstore.core.NodeState;

import java.util.Set;

/**
 * What a failover controller asks a node (docs/api.md, "Controller endpoints"): its state ({@code GET
 * /view/state}, the heartbeat), a promise ({@code POST /view/prepare}) and an acceptance ({@code POST
 * /view/accept}). The answer is the node's state, with 200 when it promised or accepted and 409 when it refused.
 * A decided view is then installed through {@code PUT /view}, like an operator's.
 */
final class ControllerRoutes {
    private final ReplicaHost host;
    private final ClusterToken token;

    ControllerRoutes(ReplicaHost host, ClusterToken token) {
        this.host = host;
        this.token = token;
    }

    void register(HttpRouting.Builder routing) {
        routing.get("/view/state", this::state)
                .post("/view/prepare", this::prepare)
                .post("/view/accept", this::accept);
    }

    private void state(ServerRequest req, ServerResponse res) {
        Status status = (Status) host.answerController(new Probe(0));
        Bodies.send(res, 200, ControllerJson.state(status.state()));
    }

    private void prepare(ServerRequest req, ServerResponse res) {
        token.check(req);
        ObjectNode body = Bodies.jsonObject(req, Bodies.CLIENT_LIMIT);
        Json.requireOnly(body, Set.of("ballot"), " in a prepare (it takes 'ballot')");
        Prepare prepare = new Prepare(decode(() -> ControllerJson.ballot(body.get("ballot"))));
        answer(res, host.answerController(prepare));
    }

    private void accept(ServerRequest req, ServerResponse res) {
        token.check(req);
        ObjectNode body = Bodies.jsonObject(req, Bodies.CLIENT_LIMIT);
        Json.requireOnly(body, Set.of("ballot", "view", "restoreIncarnation"),
                " in an accept (it takes 'ballot', 'view' and 'restoreIncarnation')");
        Accept accept = decode(() -> {
            kvstore.core.Ballot ballot = ControllerJson.ballot(body.get("ballot"));
            kvstore.core.View view = ControllerJson.view(body.get("view"));
            if (view.number() != ballot.number()) {
                throw new IllegalArgumentException("the view's number must be the ballot's");
            }
            long restore = body.path("restoreIncarnation").asLong(0);
            if (body.has("restoreIncarnation") && (!body.get("restoreIncarnation").isIntegralNumber()
                    || !body.get("restoreIncarnation").canConvertToLong() || restore < 0)) {
                throw new IllegalArgumentException("'restoreIncarnation' must be 0 or an incarnation");
            }
            return new Accept(ballot, view, restore);
        });
        answer(res, host.answerController(accept));
    }

    private static void answer(ServerResponse res, Message answer) {
        NodeState state = switch (answer) {
            case Promise p -> p.state();
            case Accepted a -> a.state();
            case Refused r -> r.state();
            default -> throw new IllegalStateException("unexpected answer " + answer);
        };
        ObjectNode body = ControllerJson.state(state);
        if (answer instanceof Refused) {
            body.put("error", state.voter()
                    ? "this node promised ballot " + state.promised() + ", which this one does not outrank"
                    : "this node restarted and does not vote until a controller restores it");
        }
        Bodies.send(res, answer instanceof Refused ? 409 : 200, body);
    }

    private static <T> T decode(java.util.function.Supplier<T> parse) {
        try {
            return parse.get();
        } catch (IllegalArgumentException e) {
            throw new ApiError(400, e.getMessage());
        }
    }
}
