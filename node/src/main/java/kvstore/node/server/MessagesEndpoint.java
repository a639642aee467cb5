package kvstore.node.server;

import java.util.Map;
import java.util.TreeMap;

/**
 * The one endpoint the core's messages travel on between processes (nodes to nodes, a controller to the nodes),
 * and its headers: what both sides of the transport must agree on, in one place. The body is a batch in the
 * core's format ({@code MessageCodec}).
 */
public final class MessagesEndpoint {
    public static final String PATH = "/internal/messages";
    public static final String TOKEN = "X-Cluster-Token";
    /** The sending node's id. */
    public static final String FROM_NODE = "X-From-Node";
    /** Where the sending node listens (optional). */
    public static final String RETURN_ADDRESS = "X-Return-Address";
    /** The sending controller's name: it gets the core's answers in the response. */
    public static final String FROM_CONTROLLER = "X-From-Controller";
    /** Where the nodes a controller names listen: {@code 1=host:port,2=host:port}. */
    public static final String PEER_ADDRESSES = "X-Peer-Addresses";

    private MessagesEndpoint() {
    }

    /** The {@link #PEER_ADDRESSES} header for these addresses, by node id. */
    public static String formatPeerAddresses(Map<String, String> addresses) {
        StringBuilder s = new StringBuilder();
        addresses.forEach((id, address) -> s.append(s.isEmpty() ? "" : ",").append(id).append('=').append(address));
        return s.toString();
    }

    /** The addresses of {@link #PEER_ADDRESSES} (none: empty); {@link IllegalArgumentException} if malformed. */
    static Map<Long, String> parsePeerAddresses(String header) {
        Map<Long, String> addresses = new TreeMap<>();
        if (header == null || header.isEmpty()) {
            return addresses;
        }
        for (String entry : header.split(",")) {
            int eq = entry.indexOf('=');
            String id = eq < 0 ? "" : entry.substring(0, eq).trim();
            String address = eq < 0 ? "" : entry.substring(eq + 1).trim();
            if (!ViewDocument.isNodeId(id) || !ViewDocument.isAddress(address)) {
                throw new IllegalArgumentException(PEER_ADDRESSES + " lists id=host:port pairs, not '" + entry + "'");
            }
            addresses.put(Long.parseLong(id), address);
        }
        return addresses;
    }
}
