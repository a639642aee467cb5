package kvstore.jepsen;

import com.fasterxml.jackson.databind.JsonNode;
import kvstore.core.control.Controller;
import kvstore.core.control.ControllerConfig;
import kvstore.node.control.ControllerHost;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Failover by the project's controller ({@code kvstore.node.control}), running in the harness's process against
 * the node processes: nobody tells it which node is faulty; it probes them and decides views with them. It
 * reaches each node through that node's proxy, as the other nodes do, and the views it installs name the proxies.
 * The harness only watches: {@link #remove} and {@link #addBack} wait until the controller's views show the
 * expected change, and a run in which the cluster does not recover in time fails.
 */
final class ControllerFailover implements Failover {
    private static final Duration RECOVERY = Duration.ofSeconds(15);
    private static final Duration TICK = Duration.ofMillis(10);

    private final Map<Long, NodeProcess> nodes;
    private final NodeApi api;
    private final NemesisLog nemesisLog;
    private final ControllerHost controller;
    private final List<String> problems = new ArrayList<>();

    ControllerFailover(Map<Long, NodeProcess> nodes, Map<Long, String> peerAddress, NodeApi api, NemesisLog nemesisLog,
                       javax.net.ssl.SSLContext tls) {
        this.nodes = nodes;
        this.api = api;
        this.nemesisLog = nemesisLog;
        Map<String, String> addresses = new TreeMap<>();
        peerAddress.forEach((id, address) -> addresses.put(String.valueOf(id), address));
        this.controller = new ControllerHost("jepsen-ctl", addresses, null, tls, TICK,
                ControllerConfig.defaults(), new Controller.Events() {
                    @Override
                    public void note(String text) {
                    }

                    @Override
                    public void roundStarted(long number, String reason) {
                        nemesisLog.record("controller: round " + number + ": " + reason);
                    }

                    @Override
                    public void roundAbandoned(long number, String why) {
                        nemesisLog.record("controller: round " + number + " abandoned: " + why);
                    }

                    @Override
                    public void decided(kvstore.core.View view) {
                        nemesisLog.viewChanged("controller: view " + view.number() + " decided, primary "
                                + view.primary() + ", backups " + view.backups());
                    }

                    @Override
                    public void established(kvstore.core.View view, long ticks) {
                        nemesisLog.record("controller: view " + view.number() + " established, "
                                + TICK.multipliedBy(ticks).toMillis() + " ms after its round began");
                    }
                });
    }

    @Override
    public void installFirst() {
        awaitView("the first view", v -> v.members().size() == nodes.size());
    }

    @Override
    public void remove(long node) {
        // The faulty node must be out of the view, or alone in it (a primary cut off from every backup keeps
        // serving alone once the controller has dropped them).
        awaitView("a view without node " + node + "'s fault in it",
                v -> !v.members().contains(node) || v.members().equals(List.of(node)));
    }

    @Override
    public void addBack(long node) {
        awaitView("node " + node + " back in the view", v -> v.members().contains(node));
    }

    @Override
    public void recoverAll() {
        awaitView("a view of every node after they all restarted", v -> v.members().size() == nodes.size());
    }

    private interface Condition {
        boolean holds(Served view);
    }

    /** The view a primary serves, as its members report it: all of them synced in it. */
    private record Served(long primary, List<Long> members) {
    }

    private synchronized void awaitView(String what, Condition condition) {
        if (!problems.isEmpty()) {
            return;
        }
        if (awaitServed(condition) == null && !Thread.currentThread().isInterrupted()) {
            problems.add("the controller did not establish " + what + " within " + RECOVERY.toSeconds() + " s");
            nemesisLog.record("harness: " + problems.getLast());
        }
    }

    /** The served view once it meets {@code condition}; null after {@link #RECOVERY}, or if interrupted. */
    private Served awaitServed(Condition condition) {
        long deadline = System.nanoTime() + RECOVERY.toNanos();
        while (System.nanoTime() < deadline) {
            Served served = served();
            if (served != null && condition.holds(served)) {
                return served;
            }
            try {
                Thread.sleep(20); // polling real processes over HTTP: nothing to wait on instead
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return null;
            }
        }
        return null;
    }

    /**
     * The established view (primary serving, not fenced and held up by no backup, every member synced in it), or
     * null.
     */
    private Served served() {
        for (Map.Entry<Long, NodeProcess> n : nodes.entrySet()) {
            NodeApi.Answer a = api.view(n.getValue().address());
            JsonNode v = a.body();
            if (a.status() != 200 || !"primary".equals(v.path("role").asText())) {
                continue;
            }
            NodeApi.Answer state = api.state(n.getValue().address());
            if (state.status() != 200 || state.body().path("fenced").asBoolean(true)
                    || !state.body().path("laggingBackups").isEmpty()) {
                continue;
            }
            List<Long> members = new ArrayList<>();
            v.path("view").forEach(m -> members.add(m.path("id").asLong()));
            long epoch = v.path("epoch").asLong();
            boolean allSynced = true;
            for (long m : members) {
                NodeApi.Answer b = api.view(nodes.get(m).address());
                allSynced &= b.status() == 200 && b.body().path("epoch").asLong() == epoch
                        && b.body().path("synced").asBoolean();
            }
            if (allSynced) {
                return new Served(n.getKey(), members);
            }
        }
        return null;
    }

    @Override
    public synchronized boolean troubled() {
        return !problems.isEmpty();
    }

    @Override
    public synchronized List<String> problems() {
        return List.copyOf(problems);
    }

    @Override
    public long primary() {
        return settled().primary();
    }

    @Override
    public List<Long> members() {
        return settled().members();
    }

    /** The served view, waited for (the nemesis must not take a backup for the primary); all nodes if none. */
    private Served settled() {
        Served s = awaitServed(v -> true);
        return s != null ? s : new Served(nodes.keySet().iterator().next(), List.copyOf(nodes.keySet()));
    }

    @Override
    public String primaryAddress() {
        return nodes.get(primary()).address();
    }

    @Override
    public void close() {
        controller.close();
    }
}
