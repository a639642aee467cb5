package kvstore.jepsen;

import java.util.List;

/**
 * Who changes views during a run: the harness's own operator ({@link ViewOperator}, told by the nemesis which
 * node is faulty) or the project's failover controller ({@link ControllerFailover}, which finds out by itself).
 * The nemesis calls {@link #remove} once a fault has had time to be noticed and {@link #addBack} once it healed.
 */
interface Failover extends AutoCloseable {
    /** Installs the first view; returns once it is established. */
    void installFirst();

    /** The faulty {@code node} must be out of the view (or the cluster recovered without dropping it). */
    void remove(long node);

    /** The healed {@code node} must be back in the view, synced. */
    void addBack(long node);

    /** Every node was restarted at once: the cluster must serve again with all of them in the view. */
    void recoverAll();

    /** Whether the cluster did not recover from a fault (the run then fails). */
    boolean troubled();

    List<String> problems();

    long primary();

    List<Long> members();

    String primaryAddress();

    @Override
    void close();
}
