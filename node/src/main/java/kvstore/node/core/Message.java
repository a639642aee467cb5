package kvstore.node.core;

import java.util.Map;

/** Everything that crosses the network between clients, nodes and the operator. Small immutable values. */
public sealed interface Message {

    /**
     * A client's request, or one forwarded by a node to its view's primary ({@code forwarded}). A forwarded request
     * is never forwarded again: while views change, two nodes could otherwise bounce it between them forever.
     */
    record ClientRequest(RequestId id, Command command, boolean forwarded) implements Message {
        public ClientRequest(RequestId id, Command command) {
            this(id, command, false);
        }
    }

    record ClientReply(RequestId id, Result result) implements Message {
    }

    /** Primary to backup: apply this operation at this position. Sent in, and fenced by, a view. */
    record Replicate(long view, long seq, RequestId id, Command command) implements Message {
    }

    /** Backup to primary: I have applied everything up to {@code seq} in view {@code view}. */
    record Ack(long view, long seq) implements Message {
    }

    /** Primary to a backup of a new view: the whole state as of {@code seq}; the backup counts only after it. */
    record StateTransfer(long view, long seq, Map<String, String> data, Map<RequestId, Result> done)
            implements Message {
    }

    /** The operator (or a controller) installs a view. */
    record NewView(View view) implements Message {
    }
}
