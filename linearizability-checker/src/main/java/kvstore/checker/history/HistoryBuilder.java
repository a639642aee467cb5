package kvstore.checker.history;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Pairs events into operations and rejects what a history cannot contain. Both the file reader and in-process
 * recorders (the simulator) feed it, so every history the checker sees has passed the same rules.
 */
public final class HistoryBuilder {
    private final List<Operation> completed = new ArrayList<>();
    private final Map<String, Pending> open = new HashMap<>();
    private final List<Annotation> annotations = new ArrayList<>();
    private final Semantics semantics;
    private int events;
    private int invocations;
    private int failedLeftOut;

    private record Pending(int id, Event invoke, int call) {
    }

    /** A builder for this project's own histories ({@link Semantics#KVSTORE}). */
    public HistoryBuilder() {
        this(Semantics.KVSTORE);
    }

    public HistoryBuilder(Semantics semantics) {
        this.semantics = semantics;
    }

    /** Adds the next event; events must arrive in real-time order. */
    public HistoryBuilder add(Event event) throws HistoryFormatException {
        if (event.process() == null || event.type() == null || event.f() == null) {
            throw new HistoryFormatException(event.line(), "an event needs a process, a type and an f");
        }
        if (event.type() == EventType.INVOKE) {
            invoke(event);
        } else {
            complete(event);
        }
        events++;
        return this;
    }

    /** Records a non-operation event (a fault, a view change) at the current position, for display. */
    public HistoryBuilder annotate(int line, String text) {
        annotations.add(new Annotation(events, line, text));
        return this;
    }

    private void invoke(Event event) throws HistoryFormatException {
        Pending already = open.get(event.process());
        if (already != null) {
            throw new HistoryFormatException(event.line(), "process " + event.process() + " invokes a "
                    + event.f().wireName() + " while its " + already.invoke.f().wireName()
                    + where(already.invoke) + " is still open (a process has at most one operation open)");
        }
        if (semantics == Semantics.JEPSEN && event.f() == OpKind.GET && event.value() != null) {
            event = new Event(event.line(), event.process(), event.type(), event.f(), event.key(), null,
                    event.time(), event.extras()); // Jepsen's reads may carry the value they expect: not a rule
        }
        checkInvokeValue(event);
        open.put(event.process(), new Pending(invocations++, event, events));
    }

    private static void checkInvokeValue(Event event) throws HistoryFormatException {
        Object value = event.value();
        String problem = switch (event.f()) {
            case GET, DELETE -> value == null ? null : "must be null";
            case PUT, APPEND -> value instanceof String ? null : "must be a string";
            case CAS -> value instanceof CasArgument ? null : "must be [expected, new]";
        };
        if (problem != null) {
            throw new HistoryFormatException(event.line(), "the value of a " + event.f().wireName() + " invoke "
                    + problem + ", not " + describe(value));
        }
    }

    private void complete(Event event) throws HistoryFormatException {
        Pending pending = open.get(event.process()); // removed only once the completion is known to be valid
        if (pending == null) {
            throw new HistoryFormatException(event.line(), "process " + event.process() + " completes ("
                    + event.type().wireName() + ") a " + event.f().wireName() + " it never invoked");
        }
        Event invoke = pending.invoke;
        if (event.f() != invoke.f()) {
            throw new HistoryFormatException(event.line(), "process " + event.process() + " completes a "
                    + event.f().wireName() + " but its open operation" + where(invoke) + " is a "
                    + invoke.f().wireName());
        }
        if (event.key() != null && !event.key().equals(invoke.key())) {
            throw new HistoryFormatException(event.line(), "process " + event.process() + " completes key "
                    + quote(event.key()) + " but invoked key " + quote(invoke.key()) + where(invoke));
        }
        Outcome outcome = switch (event.type()) {
            case OK -> Outcome.OK;
            case FAIL -> Outcome.FAIL;
            default -> Outcome.INFO;
        };
        String read = null;
        if (invoke.f() == OpKind.GET && outcome == Outcome.OK) {
            if (event.value() != null && !(event.value() instanceof String)) {
                throw new HistoryFormatException(event.line(), "an ok get must read a string or null, not "
                        + describe(event.value()));
            }
            read = (String) event.value();
        }
        int ret = outcome == Outcome.INFO ? Operation.NEVER : events;
        open.remove(event.process());
        if (outcome == Outcome.FAIL && semantics == Semantics.JEPSEN) {
            failedLeftOut++;
            return; // did not happen and tells nothing: as if never invoked
        }
        completed.add(operation(pending, outcome, ret, event.line(), event.time(), read));
    }

    /**
     * The open operation of {@code process} never left its client (its request could not be sent, or was refused
     * before anything was done): it did not happen and tells nothing, so it is left out, as a failed operation is
     * under Jepsen's meaning. A cas needs this: under this project's meaning its {@code fail} says the comparison
     * failed.
     */
    public HistoryBuilder withdraw(String process) {
        if (open.remove(process) != null) {
            failedLeftOut++;
        }
        return this;
    }

    /** The history so far. Operations still open become {@link Outcome#INFO}: they may or may not have happened. */
    public History build() {
        Operation[] byId = new Operation[invocations];
        for (Operation op : completed) {
            byId[op.id()] = op;
        }
        for (Pending p : open.values()) {
            byId[p.id] = operation(p, Outcome.INFO, Operation.NEVER, 0, Event.NO_TIME, null);
        }
        List<Operation> operations = new ArrayList<>(invocations - failedLeftOut);
        for (Operation op : byId) {
            if (op != null) { // ids stay dense when failed operations were left out
                operations.add(op.id() == operations.size() ? op : op.withId(operations.size()));
            }
        }
        return new History(operations, annotations, events, semantics, failedLeftOut);
    }

    private static Operation operation(Pending p, Outcome outcome, int ret, int retLine, long retTime,
                                       String read) {
        Event invoke = p.invoke;
        String value = invoke.value() instanceof String s ? s : read;
        String expected = null;
        if (invoke.value() instanceof CasArgument cas) {
            expected = cas.expected();
            value = cas.update();
        }
        return new Operation(p.id, invoke.process(), invoke.f(), invoke.key(), value, expected, outcome, p.call,
                ret, invoke.line(), retLine, invoke.time(), retTime);
    }

    private static String where(Event event) {
        return event.line() > 0 ? " (line " + event.line() + ")" : "";
    }

    static String quote(String s) {
        return s == null ? "null" : '"' + s + '"';
    }

    static String describe(Object value) {
        if (value == null) {
            return "null";
        }
        if (value instanceof String s) {
            return "the string " + quote(s);
        }
        if (value instanceof CasArgument cas) {
            return "[" + quote(cas.expected()) + ", " + quote(cas.update()) + "]";
        }
        return Objects.toString(value);
    }
}
