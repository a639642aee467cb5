package kvstore.jepsen;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Drives failover as an operator would, through {@code PUT /view} only, with explicit epochs (it is the only
 * authority). It learns who is faulty from the nemesis, as a perfect failure detector would; the automatic
 * controller of a later issue will have to find out by itself. The next primary is a live node synced in the
 * newest epoch any live node was synced in (docs/protocol.md, rule V2).
 */
final class ViewOperator implements Failover {
    private final Map<Long, NodeProcess> nodes;
    private final Map<Long, String> peerAddress; // the proxy in front of each node: what view documents name
    private final NodeApi api;
    private final NemesisLog nemesisLog;
    private final TreeSet<Long> members = new TreeSet<>();
    private final List<String> problems = new ArrayList<>(); // anything that makes the run fail
    private long primary;
    private long epoch;

    ViewOperator(Map<Long, NodeProcess> nodes, Map<Long, String> peerAddress, NodeApi api, NemesisLog nemesisLog) {
        this.nodes = nodes;
        this.peerAddress = peerAddress;
        this.api = api;
        this.nemesisLog = nemesisLog;
    }

    /** Whether a view was refused or never established, or no safe promotion was possible. */
    @Override
    public synchronized boolean troubled() {
        return !problems.isEmpty();
    }

    @Override
    public synchronized List<String> problems() {
        return List.copyOf(problems);
    }

    @Override
    public synchronized long primary() {
        return primary;
    }

    @Override
    public synchronized List<Long> members() {
        return List.copyOf(members);
    }

    /** The first view: every node, node 1 primary. */
    @Override
    public synchronized void installFirst() {
        members.addAll(nodes.keySet());
        primary = members.first();
        install("first view", members);
    }

    /** A new view without {@code node}, which is faulty: sent to the other members only. */
    @Override
    public synchronized void remove(long node) {
        if (troubled()) {
            return;
        }
        members.remove(node);
        String why = "node " + node + " removed";
        if (node == primary) {
            try {
                primary = choosePrimary();
            } catch (IllegalStateException e) {
                problems.add(e.getMessage());
                nemesisLog.record("operator: " + e.getMessage());
                return;
            }
            why += ", node " + primary + " promoted";
        }
        install(why, members);
    }

    /** A new view with {@code node} back as a backup; it receives the state before it counts. */
    @Override
    public void recoverAll() {
        throw new UnsupportedOperationException("the harness's operator does not bring back a cluster whose nodes "
                + "all restarted (crash-all runs with --controller)");
    }

    @Override
    public synchronized void addBack(long node) {
        if (troubled()) {
            return;
        }
        members.add(node);
        install("node " + node + " added back as a backup", members);
    }

    /** The primary's address, for the final reads. */
    @Override
    public synchronized String primaryAddress() {
        return nodes.get(primary).address();
    }

    /**
     * The member synced in the newest epoch. Every remaining member must say where it was last synced: one that
     * does not answer might be the only one holding the newest writes, so without its answer no choice is safe.
     */
    private long choosePrimary() {
        long best = -1;
        long bestSynced = -1;
        for (long candidate : members) {
            long synced = -1;
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (synced < 0 && System.nanoTime() < deadline) {
                NodeApi.Answer a = api.view(nodes.get(candidate).address());
                synced = a.status() == 200 ? a.body().path("syncedEpoch").asLong(-1) : -1;
            }
            if (synced < 0) {
                throw new IllegalStateException("node " + candidate + " did not say where it was last synced; "
                        + "no promotion is safe without it");
            }
            if (synced > bestSynced) {
                best = candidate;
                bestSynced = synced;
            }
        }
        return best;
    }

    private void install(String why, TreeSet<Long> to) {
        epoch++;
        ObjectNode doc = NodeApi.JSON.createObjectNode();
        var list = doc.putArray("view");
        for (long id : to) {
            list.addObject().put("address", peerAddress.get(id)).put("id", id);
        }
        doc.put("primary", primary).put("epoch", epoch);
        List<String> refusals = new ArrayList<>();
        for (long id : to) {
            NodeApi.Answer a = api.putView(nodes.get(id).address(), doc);
            if (a.status() != 200) {
                refusals.add("node " + id + ": " + (a.answered() ? a.status() + " " + a.body() : a.failure()));
            }
        }
        nemesisLog.viewChanged("view epoch " + epoch + ": primary " + primary + ", members " + to + " (" + why + ")"
                + (refusals.isEmpty() ? "" : "; refused by " + refusals));
        if (!refusals.isEmpty()) {
            problems.add("view epoch " + epoch + " refused by " + refusals);
            return;
        }
        awaitSynced(to);
    }

    /** Waits (bounded) until every member reports the new epoch and holds its state. */
    private void awaitSynced(TreeSet<Long> to) {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (System.nanoTime() < deadline) {
            boolean all = true;
            for (long id : to) {
                JsonNode view = api.view(nodes.get(id).address()).body();
                all &= view.path("epoch").asLong() == epoch && view.path("synced").asBoolean();
            }
            if (all) {
                nemesisLog.record("view epoch " + epoch + " established (every member synced)");
                return;
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        nemesisLog.record("view epoch " + epoch + " NOT established within 10 s");
        problems.add("view epoch " + epoch + " was not established within 10 s");
    }

    @Override
    public void close() {
        // nothing runs in the background
    }
}
