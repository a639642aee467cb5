package kvstore.jepsen;

import kvstore.checker.history.CasArgument;
import kvstore.checker.history.Event;
import kvstore.checker.history.EventType;
import kvstore.checker.history.OpKind;
import kvstore.client.KvClient;
import kvstore.client.KvException;
import kvstore.client.Swap;
import kvstore.core.Command;
import kvstore.sim.workload.HistoryRecorder;
import kvstore.sim.workload.OperationGenerator;
import kvstore.sim.workload.OperationMix;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One client: until its deadline, the operations the simulator's clients draw too ({@link OperationGenerator}),
 * each through the client library ({@link KvClient}) bound to its node or routing to the primary ({@link
 * RunSettings.ClientBinding}), recorded before it is sent and after it is answered. Written values are unique
 * ("c3-17"), so a read names its writer. A write the library says may have happened is recorded {@code info}; one
 * it says certainly did not, and every failed read, {@code fail}.
 */
final class WorkloadClient implements Runnable {
    /** How long one attempt waits for its answer: a node answers within about 2 s when it can. */
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(3);
    /** How long the library tries an operation again, routing to the primary: a failover takes about a second. */
    private static final Duration RETRY_FOR = Duration.ofSeconds(3);

    private int process; // the history's process id: a new one after an operation of unknown outcome
    private final int processStride;
    private final List<String> keys;
    private final KvClient kv;
    private final HistoryRecorder history;
    private final Latencies latencies;
    private final AtomicInteger unexpected;
    private final java.util.function.LongSupplier deadlineNanos; // may move later while the nemesis runs
    private final OperationGenerator operations;
    /** Reads and writes alike, a good share of cas, some whole-store reads, few deletes. */
    private static final OperationMix MIX = new OperationMix(35, 30, 5, 15, 15, 0);

    /**
     * @param clients how many clients run: a client's fresh process ids are {@code process + k * clients}, as
     *                Jepsen numbers them, so that no two clients share one
     * @param binding bound to one node (client c to node (c - 1) mod n, one attempt per operation, as a Jepsen
     *                worker), or the library routing to the primary and retrying
     * @param tls     how to reach the nodes over TLS (null: plain HTTP)
     */
    WorkloadClient(int process, int clients, RunSettings.ClientBinding binding, List<String> keys,
                   List<NodeProcess> nodes, javax.net.ssl.SSLContext tls, HistoryRecorder history,
                   Latencies latencies, AtomicInteger unexpected, java.util.function.LongSupplier deadlineNanos,
                   long seed) {
        this.process = process;
        this.processStride = clients;
        this.keys = keys;
        this.history = history;
        this.latencies = latencies;
        this.unexpected = unexpected;
        this.deadlineNanos = deadlineNanos;
        this.kv = library(binding, nodes, (process - 1) % nodes.size(), tls);
        this.operations = new OperationGenerator("c" + process, keys, MIX, true,
                new Random(seed * 1_000_003L + process));
    }

    private static KvClient library(RunSettings.ClientBinding binding, List<NodeProcess> nodes, int own,
                                    javax.net.ssl.SSLContext tls) {
        KvClient.Builder b = KvClient.builder().tls(tls).requestTimeout(REQUEST_TIMEOUT);
        if (binding == RunSettings.ClientBinding.NODE) {
            return b.nodes(nodes.get(own).address()).pinned().maxAttempts(1).build();
        }
        for (NodeProcess n : nodes) {
            b.node(n.id(), n.address()); // the views name the partition proxies, which are for the nodes' traffic
        }
        return b.retryFor(RETRY_FOR).build();
    }

    @Override
    public void run() {
        try (kv) {
            while (System.nanoTime() < deadlineNanos.getAsLong() && !Thread.currentThread().isInterrupted()) {
                Command c = operations.next();
                switch (c.kind()) {
                    case GET -> get(c.key());
                    case PUT -> put(c.key(), c.value());
                    case DELETE -> delete(c.key());
                    case CAS -> cas(c.key(), c.expected(), c.value());
                    case GET_ALL -> getAll();
                }
            }
        }
    }

    private String proc() {
        return Integer.toString(process);
    }

    private void get(String key) {
        history.record(Event.invoke(proc(), OpKind.GET, key, null));
        long t = System.nanoTime();
        try {
            String value = kv.get(key).orElse(null);
            history.record(Event.completion(proc(), EventType.OK, OpKind.GET, key, value));
            operations.observed(key, value);
            succeeded("get", t);
        } catch (KvException e) {
            history.record(Event.completion(proc(), EventType.FAIL, OpKind.GET, key, null));
            failed("get", t, e);
        }
    }

    private void getAll() {
        for (String key : keys) {
            history.record(Event.invoke(proc() + "." + key, OpKind.GET, key, null));
        }
        long t = System.nanoTime();
        Map<String, String> all = null;
        KvException failure = null;
        try {
            all = kv.getAll();
        } catch (KvException e) {
            failure = e;
        }
        for (String key : keys) {
            history.record(Event.completion(proc() + "." + key, all != null ? EventType.OK : EventType.FAIL,
                    OpKind.GET, key, all != null ? all.get(key) : null));
        }
        if (failure == null) {
            succeeded("get-all", t);
        } else {
            failed("get-all", t, failure);
        }
    }

    private void put(String key, String value) {
        history.record(Event.invoke(proc(), OpKind.PUT, key, value));
        long t = System.nanoTime();
        try {
            kv.put(key, value);
            history.record(Event.completion(proc(), EventType.OK, OpKind.PUT, key, value));
            succeeded("put", t);
        } catch (KvException e) {
            history.record(Event.completion(proc(), outcome(e), OpKind.PUT, key, value));
            failed("put", t, e);
        }
    }

    private void delete(String key) {
        history.record(Event.invoke(proc(), OpKind.DELETE, key, null));
        long t = System.nanoTime();
        try {
            kv.delete(key);
            history.record(Event.completion(proc(), EventType.OK, OpKind.DELETE, key, null));
            succeeded("delete", t);
        } catch (KvException e) {
            history.record(Event.completion(proc(), outcome(e), OpKind.DELETE, key, null));
            failed("delete", t, e);
        }
    }

    private void cas(String key, String expected, String value) {
        history.record(Event.invoke(proc(), OpKind.CAS, key, new CasArgument(expected, value)));
        long t = System.nanoTime();
        try {
            Swap swap = kv.compareAndSet(key, expected, value);
            // A mismatch had no effect and tells the current value; in a history, a failed cas means exactly that.
            history.record(Event.completion(proc(), swap.swapped() ? EventType.OK : EventType.FAIL, OpKind.CAS,
                    key, null));
            if (!swap.swapped()) {
                operations.observed(key, swap.current());
            }
            succeeded("cas", t, swap.swapped() ? EventType.OK : EventType.FAIL);
        } catch (KvException e) {
            if (e.mayHaveHappened()) {
                history.record(Event.completion(proc(), EventType.INFO, OpKind.CAS, key, null));
            } else {
                // Not recorded as failed: a failed cas would say its comparison failed, which says something about
                // the value. One that certainly did not happen says nothing: it is left out of the history.
                history.withdraw(proc());
            }
            failed("cas", t, e);
        }
    }

    /** A failed write in the history: it may have happened (info), or certainly did not (fail). */
    private static EventType outcome(KvException e) {
        return e.mayHaveHappened() ? EventType.INFO : EventType.FAIL;
    }

    private void succeeded(String operation, long startNanos) {
        succeeded(operation, startNanos, EventType.OK);
    }

    private void succeeded(String operation, long startNanos, EventType type) {
        latencies.add(operation, type.name().toLowerCase(java.util.Locale.ROOT), System.nanoTime() - startNanos);
    }

    /**
     * Records the failure's latency; counts a status the workload never provokes (a 4xx or a 500: a bug in the
     * node); and waits a little after a request that never left, as a client's reconnect does, instead of
     * recording thousands of them while a node is down. After an operation of unknown outcome the client goes on
     * as a new process, as Jepsen's workers do: the old one's operation may still take effect at any time, so it
     * stays open, and a process runs one operation at a time.
     */
    private void failed(String operation, long startNanos, KvException e) {
        EventType type = outcome(e);
        latencies.add(operation, type.name().toLowerCase(java.util.Locale.ROOT), System.nanoTime() - startNanos);
        if (e.status() != 0 && e.status() != 503 && e.status() != 507) { // 507: the store at its quota
            unexpected.incrementAndGet();
        }
        if (type == EventType.INFO) {
            process += processStride;
        }
        if (e.status() == 0 && !e.mayHaveHappened()) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
