package kvstore.node.server;

import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.ServerRequest;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * The shared secret of a cluster, when it was started with one: node-to-node traffic and {@code PUT /view} must
 * carry it, so that a stray client can neither install views nor inject replication messages.
 */
final class ClusterToken {
    private final byte[] token; // null: no token configured, everything is accepted

    ClusterToken(String token) {
        this.token = token == null ? null : token.getBytes(StandardCharsets.UTF_8);
    }

    void check(ServerRequest req) {
        if (token == null) {
            return;
        }
        var given = req.headers().first(HeaderNames.create(MessagesEndpoint.TOKEN));
        if (given.isEmpty()) {
            throw new ApiError(401, "this cluster requires the " + MessagesEndpoint.TOKEN + " header");
        }
        if (!MessageDigest.isEqual(token, given.get().getBytes(StandardCharsets.UTF_8))) {
            throw new ApiError(401, "wrong cluster token in " + MessagesEndpoint.TOKEN);
        }
    }
}
