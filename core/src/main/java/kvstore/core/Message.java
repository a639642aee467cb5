package kvstore.core;

import java.util.List;
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

    /**
     * Primary to backup: apply this operation at this position of the log the primary, in life
     * {@code primaryIncarnation}, began in view {@code chainStart}. Sent in, and fenced by, a view; a backup applies
     * it only to a state of that chain.
     */
    record Replicate(long view, long seq, RequestId id, Command command, long chainStart, long primaryIncarnation)
            implements Message {
        /** An operation of no known chain (tests), for a backup whose state came with no lineage either. */
        public Replicate(long view, long seq, RequestId id, Command command) {
            this(view, seq, id, command, 0, 0);
        }
    }

    /**
     * Backup to primary: I, in this incarnation, have applied everything up to {@code seq} of the log you began, in
     * life {@code primaryIncarnation}, in view {@code chainStart}, in view {@code view} ({@code seq == -1}: I am here
     * and need the state). The incarnation tells a restarted node from its earlier life, whose acknowledgements no
     * longer hold. With {@code seq == -1}: {@code keptLog}, I kept the log I held before this view renumbered the
     * last one, confirm that it is still yours (docs/protocol.md, R7); {@code lineage}, the chains the state I hold
     * comes from, so that a primary whose state is an ancestor of mine takes mine first (V2a); {@code held}, the
     * position of that state in the last of those chains, so that a primary whose log passed through it sends only
     * what came after (catch-up by log suffix).
     */
    record Ack(long view, long seq, long incarnation, long chainStart, long primaryIncarnation, boolean keptLog,
               List<ChainId> lineage, long held) implements Message {
        public Ack {
            lineage = List.copyOf(lineage);
        }

        /** How far a backup of no known chain has applied (tests, and the planted bugs). */
        public Ack(long view, long seq, long incarnation) {
            this(view, seq, incarnation, 0, 0, false, List.of(), 0);
        }
    }

    /**
     * Backup to primary: every batch up to {@code batch} of catch-up {@code transfer} is applied here (progress; the
     * backup counts once it has applied the complete one). Batch -1: I do not hold the state the catch-up starts
     * from; I hold chain {@code heldChain} (null: none) at position {@code held}.
     */
    record CatchUpAck(long view, long incarnation, long transfer, int batch, ChainId heldChain, long held)
            implements Message {
    }

    /** Primary to backup: send me the state you hold; it is newer than mine (V2a). */
    record StateRequest(long view) implements Message {
    }

    /** Backup to primary, answering {@link StateRequest}: my whole state as of {@code seq}, and its lineage. */
    record StateOffer(long view, long seq, Map<String, String> data, Map<RequestId, Result> done,
                      List<ChainId> lineage) implements Message {
        public StateOffer {
            lineage = List.copyOf(lineage);
        }
    }

    /**
     * Primary to backup, every few ticks and at once when it installs a view: I, in life {@code primaryIncarnation},
     * lead {@code view}, and my log has run on unbroken since I installed view {@code chainStart} (every view since
     * renumbered that one). A backup answers with an {@link Ack}: that is how a primary knows its backups are
     * reachable. A backup that kept its log across a renumbering learns from the chain whether that log is still
     * this primary's.
     */
    record Heartbeat(long view, long chainStart, long primaryIncarnation) implements Message {
    }

    /**
     * Not sent by anyone: the transport's notice that it could not reach the node this message is "from" (the
     * connection was refused or broke). A primary stops ordering operations at once, instead of waiting for the
     * failure-detection time, until that node answers again.
     */
    record Unreachable() implements Message {
    }

    /**
     * Primary to a backup that needs the state: one batch of a catch-up stream (docs/protocol.md, "Catch-up"), for
     * one incarnation of that backup only, applied strictly in batch order. Batch 0 says where the stream starts:
     * with {@code full}, from nothing (the backup drops what it holds) at position {@code from}; otherwise from the
     * state the backup said it holds, chain {@code expect} at position {@code from}. Each batch carries the
     * operations after the previous one's, with their results, and, in a full transfer, a piece of the state as of
     * its last operation: first results of earlier writes, then keys in order ({@code dataDone} once the last key
     * went). The {@code complete} batch brings the backup level with the primary: it then holds the state of the
     * primary's chain, whose {@code lineage} it takes, and counts like any synced backup.
     *
     * @param ops     operations after position {@code from}, in order; a backup applies one only to keys it
     *                already holds the state of (the pieces still to come already include it)
     */
    record CatchUp(long view, long incarnation, long primaryIncarnation, long transfer, int batch, long from,
                   boolean full, ChainId expect, List<LoggedOp> ops, Map<RequestId, Result> results,
                   Map<String, String> data, boolean dataDone, boolean complete, List<ChainId> lineage)
            implements Message {
        public CatchUp {
            ops = List.copyOf(ops);
            lineage = List.copyOf(lineage);
        }

        /** The position of the last operation it carries (its state piece is as of this position). */
        public long upTo() {
            return ops.isEmpty() ? from : ops.getLast().seq();
        }
    }

    /**
     * The operator, or a controller once a majority accepted the view ({@code decided}), installs a view. A node
     * that restarted takes a decided view only once a controller restored its vote: its forgotten promise may have
     * been what kept an older view from coming back (docs/protocol.md, C6).
     */
    record NewView(View view, boolean decided) implements Message {
        public NewView(View view) {
            this(view, false);
        }
    }

    /**
     * The operator's view without a number (the prototype's {@code PUT /view} without an epoch): the node numbers it
     * one past every number it knows, or finds it is the view it holds already, and passes it on to the other
     * members ({@link PassOn}) so that they agree on its number (docs/protocol.md, "Views from an operator").
     */
    record UnnumberedView(String primary, List<String> backups) implements Message {
        public UnnumberedView {
            backups = List.copyOf(backups);
        }
    }

    /**
     * Member to member: this is the number I gave the view we both hold. It may only renumber the identical view
     * the receiver holds (R7), never install one: which of two operator decisions came later is not in a number a
     * node chose.
     */
    record PassOn(View view) implements Message {
    }

    /**
     * The answer to a {@link NewView} or {@link UnnumberedView}: the view this node now holds ({@code refusal} null;
     * the same one again if it held it already), or the view it refused and why.
     */
    record ViewReply(View view, String refusal) implements Message {
    }

    /**
     * A node that a view makes primary before it ever held the cluster's state asks every other member whether
     * any of them ever held it (docs/protocol.md, V2 over HTTP): only if none did is the cluster new, and may it
     * lead while empty. Sent only by nodes that were not told whether they found or join a cluster.
     */
    record FoundingQuery() implements Message {
    }

    /** @param syncedView the last view in which the answering node held the complete state (0: never) */
    record FoundingAnswer(long syncedView) implements Message {
    }

    // ---- between a controller and the nodes (docs/protocol.md, "The controller") ----------------------------

    /** Controller to node: how are you? {@code sentAt} (the controller's ticks) comes back in the answer. */
    record Probe(long sentAt) implements Message {
    }

    record Status(long sentAt, NodeState state) implements Message {
    }

    /** Phase 1: stop serving any view below this ballot, and say what you accepted and hold. */
    record Prepare(Ballot ballot) implements Message {
    }

    record Promise(Ballot ballot, NodeState state) implements Message {
    }

    /**
     * Phase 2: accept this view. {@code restoreIncarnation} (0: none) lets a node that restarted become a voter
     * again, only in the life the controller had heard of before the round began.
     */
    record Accept(Ballot ballot, View view, long restoreIncarnation) implements Message {
        public Accept {
            if (view.number() != ballot.number()) {
                throw new IllegalArgumentException("the view's number must be the ballot's: " + view.number()
                        + " under ballot " + ballot);
            }
            if (restoreIncarnation < 0) {
                throw new IllegalArgumentException("'restoreIncarnation' must be 0 or an incarnation");
            }
        }
    }

    record Accepted(Ballot ballot, NodeState state) implements Message {
    }

    /** A prepare or accept this node may not take: it promised a higher ballot, or is not a voter. */
    record Refused(Ballot ballot, NodeState state) implements Message {
    }
    // ---- between a node and its own disk (never on the network) ------------------------------------------------

    /** To the node's disk: an operation this node applied, in order (a primary's and a backup's alike). */
    record Logged(LoggedOp op) implements Message {
    }

    /**
     * To the node's disk: what the node must not forget across a restart besides its data: where it was last synced,
     * the chains its state comes from, and its vote on views (so that a restarted node is still a voter, and still
     * bound by what it promised).
     */
    record Remembered(long syncedView, boolean founding, List<ChainId> lineage, boolean voter, Ballot promised,
                      View accepted) implements Message {
        public Remembered {
            lineage = List.copyOf(lineage);
        }
    }

    /**
     * To the node's disk: the whole state after operation {@code applied}, written as a snapshot file so that the log
     * before it can go. {@code replaced}: the state was taken whole from another node, so the log before it does not
     * lead to it.
     */
    record Snapshot(Remembered remembered, long applied, Map<String, String> data, Map<RequestId, Result> done,
                    boolean replaced) implements Message {
    }

    /** In the log, written by the store: a snapshot was taken here (see {@link Snapshot#replaced}). */
    record SnapshotTaken(boolean replaced) implements Message {
    }

    /** From the node's disk: the first {@code upTo} records the node sent it in this life are durable. */
    record Persisted(long upTo) implements Message {
    }
}
