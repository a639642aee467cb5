package kvstore.core;

/**
 * Deliberately wrong protocol variants, for tests only: each must be caught by the randomized runs
 * (a linearizability violation or a lost write). Production never enables any.
 */
public enum Bug {
    /** The primary answers before every backup has applied the operation. */
    ACK_BEFORE_REPLICATION,
    /** Nodes acknowledge replication from an older view's primary (no fencing), whatever their role now. */
    ACCEPT_STALE_VIEW,
    /** The primary serves reads from its own state without confirming its view with the backups. */
    LOCAL_READS,
    /** Requests are not deduplicated: a retried write is applied again. */
    NO_IDEMPOTENCY,
    /** A joining backup counts toward acknowledgements before it has received the state. */
    COUNT_BEFORE_STATE_TRANSFER,
    /**
     * The primary orders an operation while a backup is unreachable and answers it "certainly not applied": the
     * operation stays in the log and may take effect later, which a refusal promises it will not.
     */
    ORDER_WHILE_BACKUP_UNREACHABLE,
    /** Renumbering the view a node holds is handled as a view change: operations in flight are abandoned. */
    RENUMBER_ABORTS,
    /**
     * A backup that is catching up is reported lagging once the view is older than the replication timeout,
     * however much state it must receive and however fast it is receiving it: with a large store the controller
     * drops it, adds it back, and the transfer starts over, for ever.
     */
    LAG_WHILE_CATCHING_UP,
    /** The controller promotes any node that was ever synced, not one synced in the newest view. */
    CONTROLLER_ANY_PRIMARY,
    /** The controller decides a view with one node's promise and acceptance instead of a majority's. */
    CONTROLLER_NO_MAJORITY,
    /**
     * A node keeping its state on disk says what it holds (acknowledges, answers, promises) before the disk has
     * made it durable: a crash then takes back what was acknowledged.
     */
    ACK_BEFORE_FSYNC,
    /** Recovery replays the log's last record although its checksum fails (a torn write taken for a whole one). */
    REPLAY_TORN_RECORD,
    /**
     * A snapshot is filed as covering the log past its own position, so recovery skips records it does not hold:
     * the log as good as truncated past the snapshot.
     */
    TRUNCATE_PAST_SNAPSHOT,
    /** A node restarted from its disk votes again with its promises forgotten. */
    FORGET_VOTE_ON_RESTART
}
