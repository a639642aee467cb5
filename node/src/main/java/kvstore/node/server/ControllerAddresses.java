package kvstore.node.server;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The addresses a controller may speak from: the hosts the operator named ({@code ./kv node --controller-hosts},
 * resolved once at start), or, if none, loopback only (any 127.x address or ::1), where the harness and devenv run
 * theirs. A controller's messages decide views, so a process elsewhere that stole the token (or, over TLS, a
 * certificate) cannot send them from an address the node does not know. (The operator's {@code PUT /view} is the
 * prototype's API, sent from wherever its users run their scripts: the token alone guards it.)
 */
final class ControllerAddresses {
    private final Set<InetAddress> named = new HashSet<>();
    private final List<String> hosts;

    /** @throws IllegalArgumentException naming a host that does not resolve */
    ControllerAddresses(List<String> hosts) {
        this.hosts = hosts.stream().map(String::strip).toList();
        for (String host : this.hosts) {
            if (host.isBlank()) {
                throw new IllegalArgumentException("a controller host is a name or an address, not '" + host + "'");
            }
            try {
                named.addAll(List.of(InetAddress.getAllByName(host)));
            } catch (UnknownHostException e) {
                throw new IllegalArgumentException("controller host " + host + " does not resolve: " + e.getMessage());
            }
        }
    }

    /** Null if a controller may speak from {@code sender}, else why not. */
    String refusal(InetAddress sender) {
        if (hosts.isEmpty() ? sender.isLoopbackAddress() : named.contains(sender)) {
            return null;
        }
        return "controller messages are taken from " + (hosts.isEmpty() ? "loopback" : String.join(", ", hosts))
                + " only, not from " + sender.getHostAddress() + " (./kv node --controller-hosts names them)";
    }
}
