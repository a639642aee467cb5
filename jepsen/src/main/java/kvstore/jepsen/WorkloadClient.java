package kvstore.jepsen;

import com.fasterxml.jackson.databind.JsonNode;
import kvstore.checker.history.CasArgument;
import kvstore.checker.history.Event;
import kvstore.checker.history.EventType;
import kvstore.checker.history.OpKind;

import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One client: until its deadline, a random get / put / delete / cas / get-all on a random key through a random
 * node, each recorded before it is sent and after it is answered. Written values are unique ("c3-17"), so a read
 * names its writer. A write with no answer, or a 503, may still take effect: recorded as {@code info}. A read
 * without an answer had no effect: {@code fail}.
 */
final class WorkloadClient implements Runnable {
    private final int process;
    private final List<String> keys;
    private final List<NodeProcess> nodes;
    private final NodeApi api;
    private final SharedHistory history;
    private final Latencies latencies;
    private final AtomicInteger unexpected;
    private final java.util.function.LongSupplier deadlineNanos; // may move later while the nemesis runs
    private final Random random;
    private final String[] lastSeen;
    private int written;

    WorkloadClient(int process, List<String> keys, List<NodeProcess> nodes, NodeApi api, SharedHistory history,
                   Latencies latencies, AtomicInteger unexpected, java.util.function.LongSupplier deadlineNanos,
                   long seed) {
        this.process = process;
        this.keys = keys;
        this.nodes = nodes;
        this.api = api;
        this.history = history;
        this.latencies = latencies;
        this.unexpected = unexpected;
        this.deadlineNanos = deadlineNanos;
        this.random = new Random(seed * 1_000_003L + process);
        this.lastSeen = new String[keys.size()];
    }

    @Override
    public void run() {
        while (System.nanoTime() < deadlineNanos.getAsLong() && !Thread.currentThread().isInterrupted()) {
            String address = nodes.get(random.nextInt(nodes.size())).address();
            int k = random.nextInt(keys.size());
            int dice = random.nextInt(100);
            if (dice < 35) {
                get(address, k);
            } else if (dice < 65) {
                put(address, k);
            } else if (dice < 80) {
                cas(address, k);
            } else if (dice < 85) {
                delete(address, k);
            } else {
                getAll(address);
            }
        }
    }

    private String proc() {
        return Integer.toString(process);
    }

    private void get(String address, int k) {
        String key = keys.get(k);
        history.record(Event.invoke(proc(), OpKind.GET, key, null));
        long t = System.nanoTime();
        NodeApi.Answer a = api.get(address, key);
        EventType type = a.status() == 200 || a.status() == 404 ? EventType.OK : EventType.FAIL;
        String value = a.status() == 200 ? a.body().path("value").asText() : null;
        history.record(Event.completion(proc(), type, OpKind.GET, key, value));
        if (type == EventType.OK) {
            lastSeen[k] = value;
        }
        note("get", a, t, type, 200, 404);
    }

    private void getAll(String address) {
        for (String key : keys) {
            history.record(Event.invoke(proc() + "." + key, OpKind.GET, key, null));
        }
        long t = System.nanoTime();
        NodeApi.Answer a = api.getAll(address);
        EventType type = a.status() == 200 ? EventType.OK : EventType.FAIL;
        for (String key : keys) {
            JsonNode v = a.body().get(key);
            history.record(Event.completion(proc() + "." + key, type, OpKind.GET, key,
                    type == EventType.OK && v != null ? v.asText() : null));
        }
        note("get-all", a, t, type, 200);
    }

    private void put(String address, int k) {
        String key = keys.get(k);
        String value = "c" + process + "-" + (++written);
        history.record(Event.invoke(proc(), OpKind.PUT, key, value));
        long t = System.nanoTime();
        NodeApi.Answer a = api.put(address, key, value);
        EventType type = a.status() == 200 || a.status() == 201 ? EventType.OK : writeFailure(a);
        history.record(Event.completion(proc(), type, OpKind.PUT, key, value));
        note("put", a, t, type, 200, 201);
    }

    private void delete(String address, int k) {
        String key = keys.get(k);
        history.record(Event.invoke(proc(), OpKind.DELETE, key, null));
        long t = System.nanoTime();
        NodeApi.Answer a = api.delete(address, key);
        EventType type = a.status() == 200 || a.status() == 404 ? EventType.OK : writeFailure(a);
        history.record(Event.completion(proc(), type, OpKind.DELETE, key, null));
        note("delete", a, t, type, 200, 404);
    }

    private void cas(String address, int k) {
        String key = keys.get(k);
        String expected = lastSeen[k];
        String value = "c" + process + "-" + (++written);
        history.record(Event.invoke(proc(), OpKind.CAS, key, new CasArgument(expected, value)));
        long t = System.nanoTime();
        NodeApi.Answer a = api.cas(address, key, expected, value);
        EventType type;
        if (a.status() == 200 || a.status() == 201) {
            type = EventType.OK;
        } else if (a.status() == 412) {
            type = EventType.FAIL; // no effect; it tells the current value
            lastSeen[k] = a.body().path("current").isNull() ? null : a.body().path("current").asText();
        } else {
            // Not writeFailure: in a history a failed cas means "its comparison failed", which says something about
            // the value; a cas that never left says nothing, so it can only be recorded as of unknown outcome.
            type = EventType.INFO;
        }
        history.record(Event.completion(proc(), type, OpKind.CAS, key, null));
        note("cas", a, t, type, 200, 201, 412);
    }

    /**
     * A write whose request never left (the connection was refused), or that the node refused before ordering it
     * (503 with {@code "applied": false}: it was not in the view, had none, or was fenced), had no effect: fail.
     * Any other write without a success may still take effect: a 503 or no answer by design, an unexpected status
     * (which fails the run anyway) because nobody knows: info. Every fail instead of info makes the history
     * cheaper to check.
     */
    private static EventType writeFailure(NodeApi.Answer a) {
        boolean refused = a.status() == 503 && a.body() != null && a.body().path("applied").isBoolean()
                && !a.body().path("applied").booleanValue();
        return a.neverSent() || refused ? EventType.FAIL : EventType.INFO;
    }

    private void note(String operation, NodeApi.Answer a, long startNanos, EventType type, int... expected) {
        latencies.add(operation, type.name().toLowerCase(java.util.Locale.ROOT), System.nanoTime() - startNanos);
        boolean fine = a.status() == 503 || !a.answered();
        for (int status : expected) {
            fine |= a.status() == status;
        }
        if (!fine) {
            unexpected.incrementAndGet(); // a 4xx or 500 the workload never provokes: a bug in the node
        }
    }
}
