package kvstore.node.server;

import java.time.Duration;

/**
 * What a node's HTTP edge allows a client, in connections and in time (docs/http-edge.md, "Limits"): enough that a
 * client on a slow link is served, little enough that a slow or stalled one cannot hold a connection and its thread
 * for as long as it likes.
 *
 * @param maxConnections connections served at once; more wait in the listen backlog until one closes
 * @param idleConnection how long a connection may send nothing of its next request before it is closed
 * @param headers        how long a client has, from the end of its request line, to send all its headers
 * @param clientBody     how long a client has, from the end of its headers, to send its body (an 8 MiB body
 *                       must come at 280 KiB/s or more). Internal messages are exempt: they are read only from
 *                       an authenticated sender, and a state transfer's batch may rightly take longer
 */
public record EdgeLimits(int maxConnections, Duration idleConnection, Duration headers, Duration clientBody) {

    public EdgeLimits {
        if (maxConnections < 1 || idleConnection.isNegative() || headers.isNegative() || clientBody.isNegative()) {
            throw new IllegalArgumentException("limits are positive: " + maxConnections + " connections, idle "
                    + idleConnection + ", headers " + headers + ", body " + clientBody);
        }
    }

    public static EdgeLimits defaults() {
        return new EdgeLimits(1024, Duration.ofSeconds(60), Duration.ofSeconds(10), Duration.ofSeconds(30));
    }

    public EdgeLimits withReadTimeouts(Duration newHeaders, Duration newClientBody) {
        return new EdgeLimits(maxConnections, idleConnection, newHeaders, newClientBody);
    }
}
