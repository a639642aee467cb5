package kvstore.node.server;

import java.time.Duration;
import java.util.List;

/**
 * What a node's HTTP edge admits, in connections, in time and by address (docs/http-edge.md, "Limits"): enough
 * that a client on a slow link is served, little enough that a slow or stalled one cannot hold a connection and
 * its thread for as long as it likes.
 *
 * @param maxConnections  connections served at once; more wait in the listen backlog until one closes
 * @param idleConnection  how long a connection may send nothing of its next request before it is closed
 * @param headers         how long a client has, from the end of its request line, to send all its headers
 * @param clientBody      how long a client has, from when the node starts reading its body, to send all of it
 *                        (an 8 MiB body must come at 280 KiB/s or more). Internal messages are exempt: they are
 *                        read only from a sender that passed every check, and a state transfer's batch may
 *                        rightly take longer
 * @param controllerHosts the hosts (names or addresses) whose controllers' messages the node takes, or none for
 *                        loopback only; a controller's messages from anywhere else are refused (403, see
 *                        {@link ControllerAddresses})
 */
public record EdgePolicy(int maxConnections, Duration idleConnection, Duration headers, Duration clientBody,
                         List<String> controllerHosts) {

    public EdgePolicy {
        if (maxConnections < 1 || !idleConnection.isPositive() || !headers.isPositive()
                || !clientBody.isPositive()) {
            throw new IllegalArgumentException("limits are positive: " + maxConnections + " connections, idle "
                    + idleConnection + ", headers " + headers + ", body " + clientBody);
        }
        controllerHosts = List.copyOf(controllerHosts);
    }

    public static EdgePolicy defaults() {
        return new EdgePolicy(1024, Duration.ofSeconds(60), Duration.ofSeconds(10), Duration.ofSeconds(30),
                List.of());
    }

    public EdgePolicy withReadTimeouts(Duration newHeaders, Duration newClientBody) {
        return new EdgePolicy(maxConnections, idleConnection, newHeaders, newClientBody, controllerHosts);
    }

    public EdgePolicy withControllerHosts(List<String> hosts) {
        return new EdgePolicy(maxConnections, idleConnection, headers, clientBody, hosts);
    }
}
