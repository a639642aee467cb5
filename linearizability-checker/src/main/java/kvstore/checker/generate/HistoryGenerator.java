package kvstore.checker.generate;

import kvstore.checker.history.CasArgument;
import kvstore.checker.history.Event;
import kvstore.checker.history.EventType;
import kvstore.checker.history.OpKind;

import java.util.ArrayList;
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
        Client[] clients = new Client[shape.processes()];
        for (int i = 0; i < clients.length; i++) {
            clients[i] = new Client(i);
        }
        int invoked = 0;
        int open = 0;
        // Each step moves one random client forward one phase. Concurrency controls how likely a busy client is
        // to be left alone, so operations overlap more or less.
        while (invoked < shape.operations() || open > 0) {
            Client c = clients[random.nextInt(clients.length)];
            switch (c.phase) {
                case IDLE -> {
                    if (invoked < shape.operations()) {
                        invoke(c, events);
                        invoked++;
                        open++;
                    }
                }
                case INVOKED -> {
                    if (random.nextInt(shape.concurrency()) == 0) {
                        apply(c);
                    }
                }
                case APPLIED -> {
                    if (random.nextInt(shape.concurrency()) == 0) {
                        complete(c, events);
                        open--;
                    }
                }
            }
        }
        return events;
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
