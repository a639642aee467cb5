package kvstore.jepsen;

import com.fasterxml.jackson.databind.JsonNode;
import kvstore.checker.history.CasArgument;
import kvstore.checker.history.Event;
import kvstore.checker.history.EventType;
import kvstore.checker.history.OpKind;
import kvstore.core.Command;
import kvstore.sim.workload.HistoryRecorder;
import kvstore.sim.workload.OperationGenerator;
import kvstore.sim.workload.OperationMix;

import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One client: until its deadline, the operations the simulator's clients draw too ({@link OperationGenerator}),
 * each through its node (or a random one, {@link RunSettings.ClientBinding}), recorded before it is sent and after it is answered. Written values are unique
 * ("c3-17"), so a read names its writer. A write with no answer, or a 503, may still take effect: recorded as {@code info}. A read
 * without an answer had no effect: {@code fail}.
 */
final class WorkloadClient implements Runnable {
    private int process; // the history's process id: a new one after an operation of unknown outcome
    private final int processStride;
    private final List<String> keys;
    private final List<NodeProcess> nodes;
    private final NodeProcess boundTo; // null: a random node for each request
    private final NodeApi api;
    private final HistoryRecorder history;
    private final Latencies latencies;
    private final AtomicInteger unexpected;
    private final java.util.function.LongSupplier deadlineNanos; // may move later while the nemesis runs
    private final Random random;
    private final OperationGenerator operations;
    /** Reads and writes alike, a good share of cas, some whole-store reads, few deletes. */
    private static final OperationMix MIX = new OperationMix(35, 30, 5, 15, 15, 0);

    /**
     * @param clients how many clients run: a client's fresh process ids are {@code process + k * clients}, as
     *                Jepsen numbers them, so that no two clients share one
     * @param binding whether the client sends to one node (client c to node (c - 1) mod n) or to any
     */
    WorkloadClient(int process, int clients, RunSettings.ClientBinding binding, List<String> keys,
                   List<NodeProcess> nodes, NodeApi api, HistoryRecorder history, Latencies latencies,
                   AtomicInteger unexpected, java.util.function.LongSupplier deadlineNanos, long seed) {
        this.process = process;
        this.processStride = clients;
        this.keys = keys;
        this.nodes = nodes;
        this.boundTo = binding == RunSettings.ClientBinding.NODE ? nodes.get((process - 1) % nodes.size()) : null;
        this.api = api;
        this.history = history;
        this.latencies = latencies;
        this.unexpected = unexpected;
        this.deadlineNanos = deadlineNanos;
        this.random = new Random(seed * 1_000_003L + process);
        this.operations = new OperationGenerator("c" + process, keys, MIX, true, random);
    }

    @Override
    public void run() {
        while (System.nanoTime() < deadlineNanos.getAsLong() && !Thread.currentThread().isInterrupted()) {
            String address = (boundTo != null ? boundTo : nodes.get(random.nextInt(nodes.size()))).address();
            Command c = operations.next();
            switch (c.kind()) {
                case GET -> get(address, c.key());
                case PUT -> put(address, c.key(), c.value());
                case DELETE -> delete(address, c.key());
                case CAS -> cas(address, c.key(), c.expected(), c.value());
                case GET_ALL -> getAll(address);
            }
        }
    }

    private String proc() {
        return Integer.toString(process);
    }

    private void get(String address, String key) {
        history.record(Event.invoke(proc(), OpKind.GET, key, null));
        long t = System.nanoTime();
        NodeApi.Answer a = api.get(address, key);
        EventType type = a.status() == 200 || a.status() == 404 ? EventType.OK : EventType.FAIL;
        String value = a.status() == 200 ? a.body().path("value").asText() : null;
        history.record(Event.completion(proc(), type, OpKind.GET, key, value));
        if (type == EventType.OK) {
            operations.observed(key, value);
        }
        note("get", a, t, type, 200, 404);
        backOffIfRefused(a);
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
        backOffIfRefused(a);
    }

    private void put(String address, String key, String value) {
        history.record(Event.invoke(proc(), OpKind.PUT, key, value));
        long t = System.nanoTime();
        NodeApi.Answer a = api.put(address, key, value);
        EventType type = a.status() == 200 || a.status() == 201 ? EventType.OK : writeFailure(a);
        history.record(Event.completion(proc(), type, OpKind.PUT, key, value));
        note("put", a, t, type, 200, 201);
        backOffIfRefused(a);
        retireIfUnknown(type);
    }

    /**
     * After an operation of unknown outcome the client goes on as a new process, as Jepsen's workers do: the old
     * one's operation may still take effect at any time, so it stays open, and a process runs one operation at a
     * time.
     */
    private void retireIfUnknown(EventType type) {
        if (type == EventType.INFO) {
            process += processStride;
        }
    }

    private void delete(String address, String key) {
        history.record(Event.invoke(proc(), OpKind.DELETE, key, null));
        long t = System.nanoTime();
        NodeApi.Answer a = api.delete(address, key);
        EventType type = a.status() == 200 || a.status() == 404 ? EventType.OK : writeFailure(a);
        history.record(Event.completion(proc(), type, OpKind.DELETE, key, null));
        note("delete", a, t, type, 200, 404);
        backOffIfRefused(a);
        retireIfUnknown(type);
    }

    private void cas(String address, String key, String expected, String value) {
        history.record(Event.invoke(proc(), OpKind.CAS, key, new CasArgument(expected, value)));
        long t = System.nanoTime();
        NodeApi.Answer a = api.cas(address, key, expected, value);
        EventType type;
        if (a.status() == 200 || a.status() == 201) {
            type = EventType.OK;
        } else if (a.status() == 412) {
            type = EventType.FAIL; // no effect; it tells the current value
            operations.observed(key, a.body().path("current").isNull() ? null : a.body().path("current").asText());
        } else if (writeFailure(a) == EventType.FAIL) {
            // Not recorded as failed: in a history a failed cas means "its comparison failed", which says something
            // about the value. One that never left (or was refused before it was ordered) did not happen and says
            // nothing: it is left out of the history.
            history.withdraw(proc());
            note("cas", a, t, EventType.FAIL, 200, 201, 412);
            backOffIfRefused(a);
            return;
        } else {
            type = EventType.INFO;
        }
        history.record(Event.completion(proc(), type, OpKind.CAS, key, null));
        note("cas", a, t, type, 200, 201, 412);
        backOffIfRefused(a);
        retireIfUnknown(type);
    }

    /**
     * A write whose request never left (the connection was refused), or that the node refused before ordering it
     * (503 or 507 with {@code "applied": false}: it was not in the view, had none, or was fenced; the store was at
     * its quota), had no effect: fail.
     * Any other write without a success may still take effect: a 503 or no answer by design, an unexpected status
     * (which fails the run anyway) because nobody knows: info. Every fail instead of info makes the history
     * cheaper to check.
     */
    private static EventType writeFailure(NodeApi.Answer a) {
        boolean refused = (a.status() == 503 || a.status() == 507) && a.body() != null
                && a.body().path("applied").isBoolean()
                && !a.body().path("applied").booleanValue();
        return a.neverSent() || refused ? EventType.FAIL : EventType.INFO;
    }

    /**
     * A node that refused the connection is down: wait a little before the next request, as a client's reconnect
     * does, instead of recording thousands of requests that never left.
     */
    private static void backOffIfRefused(NodeApi.Answer a) {
        if (a.neverSent()) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void note(String operation, NodeApi.Answer a, long startNanos, EventType type, int... expected) {
        latencies.add(operation, type.name().toLowerCase(java.util.Locale.ROOT), System.nanoTime() - startNanos);
        boolean fine = a.status() == 503 || a.status() == 507 || !a.answered(); // 507: the store at its quota
        for (int status : expected) {
            fine |= a.status() == status;
        }
        if (!fine) {
            unexpected.incrementAndGet(); // a 4xx or 500 the workload never provokes: a bug in the node
        }
    }
}
