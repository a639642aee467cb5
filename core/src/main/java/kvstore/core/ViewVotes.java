package kvstore.core;

/**
 * A node's part in deciding views, as an acceptor of single-decree Paxos whose ballots are view numbers
 * (docs/protocol.md, "The controller"). It keeps the highest ballot promised and the newest view accepted. A node
 * that keeps them on disk (every promise is durable before it is sent) is still a voter after a restart. One
 * without a disk loses them with its memory: it is not a voter then (its promises are forgotten, so counting it
 * could let two controllers each see a majority) until a controller restores it in a round that began after the
 * restart.
 */
final class ViewVotes {
    /** The owner of the ballot an installed view counts as: no controller's name (those are 1 to 200 characters). */
    private static final String INSTALLED = "";

    private boolean voter;
    private Ballot promised;
    private View accepted;

    ViewVotes(boolean voter) {
        this.voter = voter;
    }

    /** What an earlier life of this node promised and accepted, read back from its disk: it still binds. */
    void restore(boolean voter, Ballot promised, View accepted) {
        this.voter = voter;
        this.promised = promised;
        this.accepted = accepted;
    }

    boolean voter() {
        return voter;
    }

    Ballot promised() {
        return promised;
    }

    View accepted() {
        return accepted;
    }

    long promisedNumber() {
        return promised == null ? 0 : promised.number();
    }

    /** Phase 1: promise to take no ballot below {@code b} (nor {@code b}'s number from another controller). */
    boolean prepare(Ballot b) {
        if (!voter || !b.allowedAfter(promised)) {
            return false;
        }
        promised = b;
        return true;
    }

    /**
     * Phase 2: accept {@code view} under ballot {@code b}. A node that is not a voter takes it only as a restore
     * addressed to this life of it ({@code restoreIncarnation}): the controller asked a majority of the other
     * nodes for their promises after it learned of this life, so this node's forgotten promises are covered by
     * theirs, and it may vote again from {@code b} on.
     */
    boolean accept(Ballot b, View view, long restoreIncarnation, long incarnation) {
        if (!voter) {
            if (restoreIncarnation != incarnation) {
                return false;
            }
            voter = true; // and what it promised in this life (operator views it installed) still binds it
        }
        if (!b.allowedAfter(promised)) {
            return false;
        }
        promised = b;
        accepted = view;
        return true;
    }

    /**
     * Whether {@code view} may be installed: not below a promise (a newer round is deciding), and not a different
     * view under a number this node accepted another view for.
     */
    boolean mayInstall(View view) {
        return view.number() >= promisedNumber()
                && (accepted == null || accepted.number() != view.number() || accepted.equals(view));
    }

    /**
     * An installed view counts as accepted and promised: a later round must learn of it from this node, and no
     * ballot of its number or below may decide another view here.
     */
    void installed(View view) {
        if (view.number() > promisedNumber()) {
            promised = new Ballot(view.number(), INSTALLED);
        }
        if (accepted == null || view.number() > accepted.number()) {
            accepted = view;
        }
    }
}
