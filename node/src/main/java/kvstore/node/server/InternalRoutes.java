package kvstore.node.server;

import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import kvstore.core.Message;
import kvstore.core.MessageCodec;

import java.util.List;
import java.util.Map;

import static kvstore.node.server.MessagesEndpoint.FROM_CONTROLLER;
import static kvstore.node.server.MessagesEndpoint.FROM_NODE;
import static kvstore.node.server.MessagesEndpoint.PEER_ADDRESSES;
import static kvstore.node.server.MessagesEndpoint.RETURN_ADDRESS;

/**
 * {@code POST /internal/messages}: the one endpoint for the core's traffic between processes, separate from
 * {@code /data}. The body is a batch of core messages in the core's one format ({@link MessageCodec}); the sender
 * names itself in a header.
 * <ul>
 *   <li>A node ({@value #FROM_NODE}, and where it listens in {@value #RETURN_ADDRESS}, so that a node that knows
 *       no view yet can answer): answered at once with 202; the answers, if any, travel back as messages of their
 *       own, as on the simulator's network.</li>
 *   <li>A controller ({@value #FROM_CONTROLLER}, and the addresses of the nodes it names in
 *       {@value #PEER_ADDRESSES}, {@code 1=host:port,2=host:port}): answered with 200 and a batch of what the
 *       core sent the controller while handling it (a controller listens nowhere; it asks).</li>
 * </ul>
 */
final class InternalRoutes {
    private final ReplicaHost host;
    private final ClusterToken token;
    private final boolean peerCertificates;
    private final ControllerAddresses controllers;
    private final RefusalLog refusals = new RefusalLog();

    /**
     * @param peerCertificates over TLS: senders must present a certificate from the cluster's authority (the
     *                         handshake refuses one from any other; a client of the REST API presents none)
     */
    InternalRoutes(ReplicaHost host, ClusterToken token, boolean peerCertificates, ControllerAddresses controllers) {
        this.host = host;
        this.token = token;
        this.peerCertificates = peerCertificates;
        this.controllers = controllers;
    }

    void register(HttpRouting.Builder routing) {
        routing.post(MessagesEndpoint.PATH, this::receive);
    }

    private void receive(ServerRequest req, ServerResponse res) {
        try {
            accept(req, res);
        } catch (ApiError e) {
            refusals.refused(sender(req), e.status(), e.getMessage());
            throw e;
        }
    }

    /** Who sent it: its address only (a name in a header costs nothing to vary, so it would not bound the log). */
    private static String sender(ServerRequest req) {
        return req.remotePeer().host();
    }

    private void accept(ServerRequest req, ServerResponse res) {
        if (peerCertificates && !kvstore.node.tls.TlsFiles.peerCertificate(req)) {
            throw new ApiError(403, "internal messages come from nodes and controllers of this cluster: present "
                    + "a certificate issued by the cluster's authority");
        }
        token.check(req);
        String node = header(req, FROM_NODE);
        String controller = header(req, FROM_CONTROLLER);
        if (controller != null) { // after the token: the refusal names the hosts allowed
            java.net.InetSocketAddress from = (java.net.InetSocketAddress) req.remotePeer().address();
            String refusal = controllers.refusal(from.getAddress());
            if (refusal != null) {
                throw new ApiError(403, refusal);
            }
        }
        if (peerCertificates) {
            String refusal = kvstore.node.tls.TlsFiles.mayActAs(req, node);
            if (refusal != null) {
                throw new ApiError(403, refusal);
            }
        }
        if ((node == null) == (controller == null)) {
            throw new ApiError(400, "expected the sender in " + FROM_NODE + " (a node id) or " + FROM_CONTROLLER
                    + " (a controller's name), exactly one of them");
        }
        if (node != null && !ViewDocument.isNodeId(node)) {
            throw new ApiError(400, FROM_NODE + " must be a node id, not " + node);
        }
        if (controller != null && (controller.isBlank() || controller.length() > 200)) {
            throw new ApiError(400, FROM_CONTROLLER + " must be a controller's name, not '" + controller + "'");
        }
        String returnAddress = header(req, RETURN_ADDRESS);
        if (returnAddress != null && (node == null || !ViewDocument.isAddress(returnAddress))) {
            throw new ApiError(400, RETURN_ADDRESS + " must be the sending node's host:port, not " + returnAddress);
        }
        Map<Long, String> addresses;
        try {
            addresses = MessagesEndpoint.parsePeerAddresses(header(req, PEER_ADDRESSES));
        } catch (IllegalArgumentException e) {
            throw new ApiError(400, e.getMessage());
        }
        byte[] body = Bodies.messageBatch(req, Bodies.INTERNAL_LIMIT);
        List<Message> decoded; // the whole batch before any of it is delivered: a bad batch changes nothing
        try {
            decoded = MessageCodec.decode(body);
        } catch (IllegalArgumentException e) {
            throw new ApiError(400, "bad batch: " + e.getMessage());
        }
        for (Message m : decoded) {
            String refusal = node != null ? fromNode(m) : fromController(m);
            if (refusal != null) {
                throw new ApiError(400, "bad batch: " + refusal);
            }
        }
        if (controller != null) {
            byte[] answers = MessageCodec.encode(host.exchange(controller, addresses, decoded));
            res.status(200);
            res.header(io.helidon.http.HeaderNames.CONTENT_TYPE, MessageCodec.MEDIA_TYPE);
            res.send(answers);
            return;
        }
        if (returnAddress != null) {
            host.learnReturnAddress(node, returnAddress);
        }
        host.receive(node, decoded);
        Bodies.send(res, 202, Json.object().put("accepted", decoded.size()));
    }

    private static String header(ServerRequest req, String name) {
        return req.headers().first(io.helidon.http.HeaderNames.create(name)).orElse(null);
    }

    /** Why a node may not send this (null: it may): what a node sends another, with views of node ids. */
    private static String fromNode(Message m) {
        return switch (m) {
            case Message.Replicate r -> null;
            case Message.Ack a -> null;
            case Message.CatchUp c -> null;
            case Message.CatchUpAck a -> null;
            case Message.StateRequest r -> null;
            case Message.StateOffer o -> null;
            case Message.Heartbeat h -> null;
            case Message.FoundingQuery q -> null;
            case Message.FoundingAnswer a -> null;
            case Message.ClientRequest r -> r.forwarded() ? null : "a node forwards requests, it does not make them";
            case Message.ClientReply r -> null;
            case Message.PassOn p -> nodeIds(p.view());
            default -> "a node does not send " + m.getClass().getSimpleName();
        };
    }

    /** Why a controller may not send this (null: it may): its questions, and the views it decided. */
    private static String fromController(Message m) {
        return switch (m) {
            case Message.Probe p -> null;
            case Message.Prepare p -> null;
            case Message.Accept a -> nodeIds(a.view());
            case Message.NewView v -> v.decided() ? nodeIds(v.view()) : "a controller sends only decided views";
            default -> "a controller does not send " + m.getClass().getSimpleName();
        };
    }

    private static String nodeIds(kvstore.core.View v) {
        return v.members().stream().allMatch(ViewDocument::isNodeId) ? null
                : "a view names nodes by id: " + v.members();
    }
}
