package kvstore.checker.generate;

import kvstore.checker.history.CasArgument;
import kvstore.checker.history.Event;
import kvstore.checker.history.EventType;
import kvstore.checker.history.OpKind;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.PriorityQueue;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * Generates histories that are linearizable by construction: clients run against a real in-memory store, and
 * each operation takes effect at one random moment between its invocation and its completion. Used by the
 * property tests and the benchmark; the same seed always gives the same history.
 */
public final class HistoryGenerator {
    private final WorkloadShape shape;
    private final SplittableRandom random;
    private final Map<String, String> store = new HashMap<>();
    private int nextValue;

    private enum Phase { IDLE, INVOKED, APPLIED }

    private final class Client {
        final String name;
        Phase phase = Phase.IDLE;
        OpKind kind;
        String key;
        Object argument;
        Object result;
        EventType outcome;
        boolean skipsEffect; // an operation recorded as unknown that never takes effect
        double nextTime;

        Client(int id) {
            this.name = Integer.toString(id);
        }
    }

    public HistoryGenerator(WorkloadShape shape, long seed) {
        this.shape = shape;
        this.random = new SplittableRandom(seed);
    }

    public static List<Event> generate(WorkloadShape shape, long seed) {
        return new HistoryGenerator(shape, seed).run();
    }

    private List<Event> run() {
        List<Event> events = new ArrayList<>(shape.operations() * 2);
        // Each client runs in a closed loop on a virtual clock: think, invoke, take effect, complete. Phase
        // lengths are exponential; an operation lasts `concurrency` think-times on average, half before it
        // takes effect and half after, so overlap depends on the shape and not on how many clients there are.
        PriorityQueue<Client> queue = new PriorityQueue<>(
                Comparator.comparingDouble((Client c) -> c.nextTime).thenComparing(c -> c.name));
        for (int i = 0; i < shape.processes(); i++) {
            Client c = new Client(i);
            c.nextTime = exponential(1);
            queue.add(c);
        }
        int invoked = 0;
        double halfOperation = shape.concurrency() / 2.0;
        while (!queue.isEmpty()) {
            Client c = queue.poll();
            switch (c.phase) {
                case IDLE -> {
                    if (invoked == shape.operations()) {
                        continue; // this client is done
                    }
                    invoke(c, events);
                    invoked++;
                    c.nextTime += exponential(halfOperation);
                }
                case INVOKED -> {
                    apply(c);
                    c.nextTime += exponential(halfOperation);
                }
                case APPLIED -> {
                    complete(c, events);
                    c.nextTime += exponential(1);
                }
            }
            queue.add(c);
        }
        return events;
    }

    private double exponential(double mean) {
        return -mean * Math.log(1 - random.nextDouble());
    }

    private void invoke(Client c, List<Event> events) {
        c.key = "k" + random.nextInt(shape.keys());
        c.kind = chooseKind();
        c.argument = switch (c.kind) {
            case GET, DELETE -> null;
            case PUT, APPEND -> newValue();
            case CAS -> new CasArgument(expectation(c.key), newValue());
        };
        c.skipsEffect = false;
        c.phase = Phase.INVOKED;
        events.add(Event.invoke(c.name, c.kind, c.key, c.argument));
    }

    /** The operation takes effect now, against the real store. */
    private void apply(Client c) {
        c.phase = Phase.APPLIED;
        boolean unknown = random.nextDouble() < shape.unknownShare();
        c.outcome = unknown ? EventType.INFO : EventType.OK;
        if (unknown && random.nextBoolean()) {
            c.skipsEffect = true; // lost before it reached the store
            return;
        }
        String current = store.get(c.key);
        switch (c.kind) {
            case GET -> c.result = current;
            case PUT -> store.put(c.key, (String) c.argument);
            case DELETE -> store.remove(c.key);
            case APPEND -> store.put(c.key, current == null ? (String) c.argument : current + c.argument);
            case CAS -> {
                CasArgument cas = (CasArgument) c.argument;
                if (Objects.equals(current, cas.expected())) {
                    store.put(c.key, cas.update());
                } else if (!unknown) {
                    c.outcome = EventType.FAIL;
                }
            }
        }
    }

    private void complete(Client c, List<Event> events) {
        Object value = c.kind == OpKind.GET && c.outcome == EventType.OK ? c.result : c.argument;
        events.add(Event.completion(c.name, c.outcome, c.kind, c.key, value));
        c.phase = Phase.IDLE;
        c.result = null;
    }

    private OpKind chooseKind() {
        if (random.nextDouble() < shape.readShare()) {
            return OpKind.GET;
        }
        int total = shape.putWeight() + shape.deleteWeight() + shape.appendWeight() + shape.casWeight();
        int pick = random.nextInt(Math.max(1, total));
        if ((pick -= shape.putWeight()) < 0) {
            return OpKind.PUT;
        }
        if ((pick -= shape.deleteWeight()) < 0) {
            return OpKind.DELETE;
        }
        if ((pick -= shape.appendWeight()) < 0) {
            return OpKind.APPEND;
        }
        return total == 0 ? OpKind.PUT : OpKind.CAS;
    }

    private String newValue() {
        return shape.values() > 0 ? Integer.toString(random.nextInt(shape.values())) : Integer.toString(nextValue++);
    }

    /** A cas usually expects the current value (so it often succeeds), sometimes something else. */
    private String expectation(String key) {
        if (random.nextInt(3) > 0) {
            return store.get(key);
        }
        return random.nextBoolean() ? null : newValue();
    }
}
