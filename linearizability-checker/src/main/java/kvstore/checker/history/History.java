package kvstore.checker.history;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** A validated history: its operations in invocation order, and the annotations recorded beside them. */
public final class History {
    /** Keys sort as strings; the missing key of a single-register history sorts first. */
    public static final Comparator<String> KEY_ORDER = Comparator.nullsFirst(Comparator.naturalOrder());

    private final List<Operation> operations;
    private final List<Annotation> annotations;
    private final int eventCount;
    private final Semantics semantics;
    private final int failedLeftOut;

    public History(List<Operation> operations, List<Annotation> annotations, int eventCount) {
        this(operations, annotations, eventCount, Semantics.KVSTORE, 0);
    }

    public History(List<Operation> operations, List<Annotation> annotations, int eventCount, Semantics semantics,
                   int failedLeftOut) {
        this.operations = List.copyOf(operations);
        this.annotations = List.copyOf(annotations);
        this.eventCount = eventCount;
        this.semantics = semantics;
        this.failedLeftOut = failedLeftOut;
    }

    /** The meaning failed operations were read with. */
    public Semantics semantics() {
        return semantics;
    }

    /** How many failed operations were left out because, read with Jepsen's meaning, they tell nothing. */
    public int failedLeftOut() {
        return failedLeftOut;
    }

    public List<Operation> operations() {
        return operations;
    }

    public List<Annotation> annotations() {
        return annotations;
    }

    /** How many operation events (invocations and completions) the history has. */
    public int eventCount() {
        return eventCount;
    }

    /**
     * The operations of each key, in invocation order. Linearizability is compositional (Herlihy and Wing's
     * locality): a history is linearizable iff each key's sub-history is, so keys are checked apart.
     */
    public Map<String, List<Operation>> byKey() {
        Map<String, List<Operation>> keys = new TreeMap<>(KEY_ORDER);
        for (Operation op : operations) {
            keys.computeIfAbsent(op.key(), k -> new ArrayList<>()).add(op);
        }
        keys.replaceAll((k, ops) -> Collections.unmodifiableList(ops));
        return keys;
    }
}
