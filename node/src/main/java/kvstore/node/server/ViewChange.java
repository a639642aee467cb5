package kvstore.node.server;

/**
 * What a view document does to a node that holds {@code current} (null: none yet). Views with an epoch must be
 * newer than the node's; views without one are numbered by the node, in arrival order, one past its own epoch.
 * The same view again (same members, addresses and primary) changes nothing: operators send one view to every
 * member, and members pass it on to each other.
 */
record ViewChange(Kind kind, ViewDocument document) {
    enum Kind { INSTALL, ALREADY_CURRENT, STALE }

    /**
     * A view another member passed on. It may only renumber the view this node already holds (same members,
     * addresses and primary, higher epoch): the epoch a member gave an epoch-less view says nothing about which
     * of the operator's decisions came later, so a late pass-on must never bring back a view the operator has
     * since replaced here.
     */
    static ViewChange decidePassedOn(ViewDocument current, ViewDocument incoming) {
        if (current != null && incoming.sameViewAs(current) && incoming.epoch() > current.epoch()) {
            return new ViewChange(Kind.INSTALL, incoming);
        }
        return new ViewChange(incoming.sameViewAs(current) ? Kind.ALREADY_CURRENT : Kind.STALE, incoming);
    }

    static ViewChange decide(ViewDocument current, ViewDocument incoming) {
        if (current == null) {
            return new ViewChange(Kind.INSTALL, incoming.epoch() == null ? incoming.withEpoch(1) : incoming);
        }
        long epoch = current.epoch();
        if (incoming.epoch() == null) {
            return incoming.sameViewAs(current) ? new ViewChange(Kind.ALREADY_CURRENT, current)
                    : new ViewChange(Kind.INSTALL, incoming.withEpoch(epoch + 1));
        }
        if (incoming.epoch() > epoch) {
            return new ViewChange(Kind.INSTALL, incoming);
        }
        if (incoming.epoch() == epoch && incoming.sameViewAs(current)) {
            return new ViewChange(Kind.ALREADY_CURRENT, current);
        }
        return new ViewChange(Kind.STALE, incoming);
    }
}
