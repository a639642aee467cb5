package kvstore.node.cli;

import kvstore.node.server.KvNode;
import kvstore.node.server.NodeConfig;

/** Starts a node, turning "address in use" and the like into one clear line instead of a stack trace. */
final class Starting {
    private Starting() {
    }

    static KvNode start(NodeConfig config) {
        try {
            return KvNode.start(config);
        } catch (RuntimeException e) {
            Throwable root = e;
            while (root.getCause() != null) {
                root = root.getCause();
            }
            throw new StartFailure("cannot start node " + config.id() + " on " + config.host() + ":" + config.port()
                    + ": " + root.getMessage());
        }
    }

    static final class StartFailure extends RuntimeException {
        StartFailure(String message) {
            super(message, null, false, false);
        }
    }
}
