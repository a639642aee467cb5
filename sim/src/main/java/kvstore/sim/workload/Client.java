package kvstore.sim.workload;

import kvstore.checker.history.CasArgument;
import kvstore.checker.history.Event;
import kvstore.checker.history.EventType;
import kvstore.checker.history.OpKind;
import kvstore.core.Command;
import kvstore.core.Message.ClientReply;
import kvstore.core.Message.ClientRequest;
import kvstore.core.RequestId;
import kvstore.core.Result;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A simulated client: one operation at a time, drawn by an {@link OperationGenerator}, sent to a random node; it retries with the same request id when it gets no answer or "unavailable",
 * and records the operation in the history: ok or fail with the result, or unknown (info) when it gave up.
 * A get-all is recorded as one get per key, by sub-processes "client.key", over the same interval.
 */
public final class Client {
    private final String name;
    private final int process;
    private final ClientContext world;
    private final HistoryRecorder history;
    private final SplittableRandom random;
    private final List<String> keys;
    private final int retries;
    private final long timeoutMicros;

    private int remaining;
    private long counter;
    private RequestId current;
    private Command command;
    private int attempts;
    private boolean everyAttemptRefused; // each attempt so far was refused before anything was ordered
    private final Map<String, Integer> unanswered = new HashMap<>(); // attempts of this operation, by node asked
    private long issuedAt;
    private final java.util.Set<String> tried = new java.util.TreeSet<>();
    private Runnable whenDone = () -> { };

    private final OperationGenerator operations;

    /**
     * @param readsAll whether it also reads every key at once (not against a large store: a get-all is its size);
     *                 without, the mix's whole-store reads are gets of one key
     */
    public Client(int process, ClientContext world, HistoryRecorder history, SplittableRandom random,
                  List<String> keys, int operations, int retries, long timeoutMicros, OperationMix mix,
                  boolean readsAll) {
        this.name = "c" + process;
        this.operations = new OperationGenerator(name, keys, mix, readsAll, random);
        this.process = process;
        this.world = world;
        this.history = history;
        this.random = random;
        this.keys = keys;
        this.remaining = operations;
        this.retries = retries;
        this.timeoutMicros = timeoutMicros;
    }

    public String name() {
        return name;
    }

    public boolean busy() {
        return current != null;
    }

    public int remaining() {
        return remaining;
    }

    /** Starts the client's loop of operations. */
    public void start() {
        world.after(thinkTime(), this::next);
    }

    /** Reads every key once, retrying until it gets an answer: the final check after the faults stop. */
    public void readEverything(Runnable then) {
        whenDone = then;
        readKey(0);
    }

    private void readKey(int index) {
        if (index == keys.size()) {
            whenDone.run();
            return;
        }
        issue(Command.get(keys.get(index)), Integer.MAX_VALUE, () -> readKey(index + 1));
    }

    private void next() {
        if (remaining == 0) {
            return;
        }
        remaining--;
        issue(operations.next(), retries, () -> world.after(thinkTime(), this::next));
    }

    private Runnable then;
    private int maxAttempts;

    private void issue(Command c, int retryLimit, Runnable after) {
        command = c;
        current = new RequestId(name, ++counter);
        attempts = 0;
        everyAttemptRefused = true;
        unanswered.clear();
        issuedAt = world.now();
        tried.clear();
        maxAttempts = retryLimit == Integer.MAX_VALUE ? Integer.MAX_VALUE : retryLimit + 1;
        then = after;
        recordInvoke();
        attempt();
    }

    private void attempt() {
        attempts++;
        RequestId id = current;
        int attempt = attempts;
        String node = world.nodes().get(random.nextInt(world.nodes().size()));
        tried.add(node);
        unanswered.merge(node, 1, Integer::sum);
        world.send(name, node, new ClientRequest(id, command));
        world.after(timeoutMicros, () -> {
            if (id.equals(current) && attempts == attempt) {
                everyAttemptRefused = false; // it may still arrive and be ordered
                retryOrGiveUp(null);
            }
        });
    }

    private void retryOrGiveUp(Result unavailable) {
        if (attempts < maxAttempts) {
            attempt();
            return;
        }
        // Gave up: a write may still take effect (unknown), unless every attempt was answered, each with a refusal
        // before it was ordered ("certainly not applied": the checker then holds the store to it); a read had no
        // effect (fail). An attempt not answered yet may still be ordered: a late refusal of an earlier attempt says
        // nothing of it (the simulator found a write recorded as failed that a forwarded attempt had applied). A
        // failed cas means "the comparison failed" in this history format, so a refused one stays unknown.
        boolean everyAttemptAnswered = unanswered.values().stream().allMatch(n -> n == 0);
        boolean noEffect = command.isRead()
                || everyAttemptRefused && everyAttemptAnswered && command.kind() != Command.Kind.CAS;
        EventType outcome = noEffect ? EventType.FAIL : EventType.INFO;
        recordCompletion(outcome, null);
        finish();
    }

    /** An answer from node {@code from}, which this client asked (each request gets one answer, as over HTTP). */
    public void onReply(String from, ClientReply reply) {
        if (!reply.id().equals(current)) {
            return; // a late answer to an attempt we already settled
        }
        unanswered.computeIfPresent(from, (n, count) -> count - 1);
        Result r = reply.result();
        if (r.status() == Result.Status.UNAVAILABLE) {
            everyAttemptRefused &= r.certainlyNotApplied();
            world.unavailable(name, issuedAt, tried, r);
            int attempt = attempts;
            RequestId id = current;
            world.after(timeoutMicros / 10, () -> {
                if (id.equals(current) && attempts == attempt) {
                    retryOrGiveUp(r);
                }
            });
            return;
        }
        if (r.status() == Result.Status.FULL) {
            // Over its quota the store refused this attempt. The operation did not happen if the node asked was the
            // primary (a forwarded copy may have a duplicate ordered later), every earlier attempt was refused so
            // too and none is still on its way (one might yet be ordered, when the store has room again).
            boolean everyAttemptAnswered = unanswered.values().stream().allMatch(n -> n == 0);
            if (!(r.certainlyNotApplied() && everyAttemptRefused && everyAttemptAnswered)) {
                recordCompletion(EventType.INFO, r);
            } else if (command.kind() == Command.Kind.CAS) {
                // A failed cas would say its comparison failed; this one did not happen and says nothing (it found
                // what it expected): left out of the history, as the Jepsen harness does.
                history.withdraw(proc());
            } else {
                recordCompletion(EventType.FAIL, r);
            }
            finish();
            return;
        }
        recordCompletion(EventType.OK, r);
        finish();
    }

    private void finish() {
        current = null;
        Runnable after = then;
        then = null;
        after.run();
    }

    // ---- the history --------------------------------------------------------------------------------------

    private void recordInvoke() {
        switch (command.kind()) {
            case GET -> history.record(Event.invoke(proc(), OpKind.GET, command.key(), null));
            case PUT -> history.record(Event.invoke(proc(), OpKind.PUT, command.key(), command.value()));
            case DELETE -> history.record(Event.invoke(proc(), OpKind.DELETE, command.key(), null));
            case CAS -> history.record(Event.invoke(proc(), OpKind.CAS, command.key(),
                    new CasArgument(command.expected(), command.value())));
            case GET_ALL -> {
                for (String key : keys) {
                    history.record(Event.invoke(proc() + "." + key, OpKind.GET, key, null));
                }
            }
        }
    }

    private void recordCompletion(EventType type, Result r) {
        switch (command.kind()) {
            case GET -> {
                String v = r == null || r.status() != Result.Status.OK ? null : r.value();
                history.record(Event.completion(proc(), type, OpKind.GET, command.key(), v));
                if (type == EventType.OK) {
                    operations.observed(command.key(), v);
                }
            }
            case PUT -> history.record(Event.completion(proc(), type, OpKind.PUT, command.key(), command.value()));
            case DELETE -> history.record(Event.completion(proc(), type, OpKind.DELETE, command.key(), null));
            case CAS -> {
                EventType outcome = type == EventType.OK && r.status() == Result.Status.CAS_MISMATCH
                        ? EventType.FAIL : type;
                history.record(Event.completion(proc(), outcome, OpKind.CAS, command.key(), null));
                if (outcome == EventType.FAIL && r != null) {
                    operations.observed(command.key(), r.value());
                }
            }
            case GET_ALL -> {
                for (String key : keys) {
                    String v = type == EventType.OK ? r.all().get(key) : null;
                    history.record(Event.completion(proc() + "." + key, type, OpKind.GET, key, v));
                }
            }
        }
    }

    private String proc() {
        return Integer.toString(process);
    }

    private long thinkTime() {
        return (long) (-2_000 * StrictMath.log(1 - random.nextDouble()));
    }

}
