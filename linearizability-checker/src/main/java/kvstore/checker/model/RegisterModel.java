package kvstore.checker.model;

import kvstore.checker.history.Operation;
import kvstore.checker.history.Outcome;

import kvstore.checker.history.OpKind;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * One key of the store: a register that holds a string or is absent, with get, put, delete, append and
 * compare-and-set.
 */
public final class RegisterModel implements Model<RegisterModel.Value> {
    /** The register's content; {@code text == null} means the key is absent. */
    public record Value(String text) {
        public static final Value ABSENT = new Value(null);
    }

    private final boolean absentReadsAsEmpty;

    /** The store's own semantics: a get of an absent key reads {@code null}. */
    public RegisterModel() {
        this(false);
    }

    /**
     * @param absentReadsAsEmpty also accept {@code ""} as the read of an absent key, as stores that default
     *                           missing keys to the empty string report it (Porcupine's key-value histories)
     */
    public RegisterModel(boolean absentReadsAsEmpty) {
        this.absentReadsAsEmpty = absentReadsAsEmpty;
    }

    /** Whether a read of {@code ""} may stand for the absent key. */
    public boolean absentReadsAsEmpty() {
        return absentReadsAsEmpty;
    }

    @Override
    public Value initialState() {
        return Value.ABSENT;
    }

    @Override
    public Value step(Value state, Operation op) {
        String current = state.text();
        return switch (op.kind()) {
            case GET -> op.outcome() != Outcome.OK || reads(current, op.value()) ? state : null;
            case PUT -> new Value(op.value());
            case DELETE -> Value.ABSENT;
            case APPEND -> new Value(current == null ? op.value() : current + op.value());
            case CAS -> {
                boolean matches = reads(current, op.expected());
                yield switch (op.outcome()) {
                    case OK -> matches ? new Value(op.value()) : null;
                    case FAIL -> matches ? null : state;
                    case INFO -> matches ? new Value(op.value()) : state;
                };
            }
        };
    }

    private boolean reads(String current, String observed) {
        if (Objects.equals(current, observed)) {
            return true;
        }
        return absentReadsAsEmpty && current == null && "".equals(observed);
    }

    /**
     * Leaving out a write can only break an operation that saw the value it wrote: a get that read it, a cas
     * that expected it, a failed cas that found something else. (Take a linearization of the whole history and
     * drop the write: only operations between it and the next write see a different value.) And not even those
     * if a kept write that surely took effect lies wholly between the two in real time: the observer cannot have
     * seen this write's value. The latest write of the value an operation saw is kept all the same, so that a
     * stale read is shown with the write it saw and the one that overwrote it. Appends feed every later value,
     * so with appends every possible writer counts.
     */
    @Override
    public Dependencies dependencies(List<Operation> operations) {
        boolean appends = operations.stream().anyMatch(op -> op.kind() == OpKind.APPEND);
        java.util.Map<String, List<Operation>> writersOf = new java.util.HashMap<>(); // of each value, by call
        for (Operation op : operations) {
            if (op.writes()) {
                writersOf.computeIfAbsent(op.written(), v -> new ArrayList<>()).add(op);
            }
        }
        return kept -> {
            SeparatingWrites separators = appends ? null : new SeparatingWrites(kept);
            return (observer, writer) -> {
                if (!mayObserve(observer) || !writer.writes() || writer.call() > observer.ret()
                        || observer == writer) {
                    return false;
                }
                if (appends) {
                    return true;
                }
                String written = writer.written();
                boolean matches = reads(written, observer.observed());
                boolean sawIt = observer.kind() == OpKind.GET || observer.outcome() == Outcome.INFO ? matches
                        : matches == (observer.outcome() == Outcome.OK); // a failed cas saw another value
                if (!sawIt) {
                    return false;
                }
                boolean overwritten = writer.ret() < separators.latestCallBefore(observer.call());
                return !overwritten || (observer.outcome() == Outcome.OK
                        && writer == latestWriterBefore(writersOf.get(written), observer.ret()));
            };
        };
    }

    /**
     * Whether an operation's outcome may depend on the value it found: an observer, or a cas of unknown outcome,
     * which, if it swapped, found its expected value (kept without that value's write, it could not swap, and a
     * shrunk core would then fail for that reason alone).
     */
    private static boolean mayObserve(Operation op) {
        return op.observes() || (op.kind() == OpKind.CAS && op.outcome() == Outcome.INFO);
    }

    private static Operation latestWriterBefore(List<Operation> writers, int time) {
        Operation latest = null;
        for (Operation w : writers) {
            if (w.call() < time && (latest == null || w.call() > latest.call())) {
                latest = w;
            }
        }
        return latest;
    }

    /** The kept writes that surely took effect, to ask: which of them began latest among those done by time t? */
    private static final class SeparatingWrites {
        private final int[] rets;
        private final int[] latestCall; // latestCall[i]: the latest call among the writes with the i+1 earliest rets

        SeparatingWrites(List<Operation> kept) {
            List<Operation> writes = kept.stream()
                    .filter(op -> op.outcome() == Outcome.OK && op.writes())
                    .sorted(java.util.Comparator.comparingInt(Operation::ret))
                    .toList();
            rets = new int[writes.size()];
            latestCall = new int[writes.size()];
            int latest = -1;
            for (int i = 0; i < writes.size(); i++) {
                rets[i] = writes.get(i).ret();
                latest = Math.max(latest, writes.get(i).call());
                latestCall[i] = latest;
            }
        }

        /** The latest call among kept sure writes that returned before {@code time}, or -1. */
        int latestCallBefore(int time) {
            int i = java.util.Arrays.binarySearch(rets, time);
            int count = i >= 0 ? i : -i - 1; // rets are distinct event positions, never equal to a call
            return count == 0 ? -1 : latestCall[count - 1];
        }
    }

    /**
     * Leaves out writes of unknown outcome that nothing could have seen. Such a write never needs to take effect:
     * given a linearization that includes it, drop it and every operation keeps its result, because no get reads
     * its value, no cas expects it, and no failed cas could have failed because of it. (A cas of unknown outcome
     * that then finds another value simply moves to the end, where it changes nothing anyone saw.) An append is
     * seen by every later read that contains its text, so with appends that is the test.
     */
    @Override
    public List<Operation> relevant(List<Operation> operations) {
        boolean appends = operations.stream().anyMatch(op -> op.kind() == OpKind.APPEND);
        Set<String> observed = new HashSet<>();
        List<Operation> observers = new ArrayList<>();
        boolean observesAbsent = false;
        int lastFailedCasReturn = -1;
        for (Operation op : operations) {
            if (op.kind() != OpKind.GET && op.kind() != OpKind.CAS) {
                continue;
            }
            String seen = op.observed();
            observers.add(op);
            if (seen == null || (absentReadsAsEmpty && seen.isEmpty())) {
                observesAbsent = true;
            }
            if (seen != null) {
                observed.add(seen);
            }
            if (op.kind() == OpKind.CAS && op.outcome() == Outcome.FAIL) {
                lastFailedCasReturn = Math.max(lastFailedCasReturn, op.ret());
            }
        }
        List<Operation> out = new ArrayList<>(operations.size());
        for (Operation op : operations) {
            boolean unseen = op.outcome() == Outcome.INFO && op.writes() && op.call() > lastFailedCasReturn
                    && (appends ? !seenInside(op, observers)
                                : op.written() == null ? !observesAbsent : !observed.contains(op.written()));
            if (!unseen) {
                out.add(op);
            }
        }
        return out;
    }

    /**
     * With appends, a write may show up inside any later value that was read. A delete (or an empty value) shows
     * no text of its own but resets what later appends build on, so any later observation may rely on it.
     */
    private static boolean seenInside(Operation write, List<Operation> observers) {
        String text = write.written();
        for (Operation observer : observers) {
            String seen = observer.observed();
            if (observer.ret() > write.call()
                    && (text == null || text.isEmpty() || (seen != null && seen.contains(text)))) {
                return true;
            }
        }
        return false;
    }

    /** The record, and its string with the string's array (one byte per character when Latin-1, else two). */
    @Override
    public long footprint(Value state) {
        String text = state.text();
        return 16 + (text == null ? 0 : 24 + 16 + 2L * text.length());
    }

    @Override
    public String describe(Value state) {
        return state.text() == null ? "absent" : '"' + state.text() + '"';
    }
}
