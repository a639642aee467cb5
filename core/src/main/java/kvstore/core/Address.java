package kvstore.core;

/**
 * Who a message comes from or goes to. Typed, so that neither the core nor a host reads a role into a name: a
 * host maps each kind to its own means (a waiting HTTP request, a peer connection, a simulated client).
 */
public sealed interface Address {
    String name();

    /** A node of the cluster, by the name views give it. */
    record Node(String name) implements Address {
    }

    /** A client: an HTTP request waiting for its answer, or a simulated client. */
    record Client(String name) implements Address {
    }

    /** A failover controller, by its name (not its life): where the nodes' answers go. */
    record Controller(String name) implements Address {
    }

    /** An operator who installs views by hand (the prototype's {@code PUT /view}). */
    record Operator(String name) implements Address {
    }

    /** A node's own disk, named after the node: its storage requests go there, and completions come from there. */
    record Disk(String name) implements Address {
    }
}
