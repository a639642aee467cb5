package kvstore.checker.search;

import kvstore.checker.explain.Explanation;
import kvstore.checker.explain.OperationText;
import kvstore.checker.history.OpKind;
import kvstore.checker.history.Operation;
import kvstore.checker.history.Outcome;
import kvstore.checker.model.Model;
import kvstore.checker.model.RegisterModel;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Reads-from reasoning for a register whose writes write distinct values: proves violations without search, in
 * O(n log n), with a handful of operations as the proof.
 *
 * <p>When no two writes write the same value, a read names the write it saw. Gather each value's write with the
 * operations that observed it (ok gets of it, ok cas that expected it): its <em>cluster</em>. In any linearization
 * a cluster is a contiguous stretch, from its write to its last observer, with no other write inside (nothing
 * could write its value again), and two stretches share at most one operation (a cas that observed one value and
 * wrote the next). The cluster's operation that returned first is linearized by its return, the one that began
 * last after its call: if the first return comes before the last call, the key holds the value throughout that
 * time, the cluster's <em>forward zone</em>. Hence, as Gibbons and Korach showed for read/write registers (and
 * Golab, Li and Shah restated as zones), a history is not linearizable if
 * <ol>
 *   <li>a read saw a value no operation could have written, or whose only write began after the read returned;</li>
 *   <li>two forward zones overlap (both values held at once);</li>
 *   <li>a cluster's zone is <em>backward</em> (every operation of it spans the time from its last call to its first
 *       return) and lies strictly inside another's forward zone: it must be linearized inside that stretch;</li>
 *   <li>an operation outside every cluster that reads or writes another value, or that tells the value was not
 *       the zone's (a failed cas that expected it), runs wholly inside a forward zone.</li>
 * </ol>
 * For histories of puts and gets only, with distinct values, these rules are also complete (Gibbons and Korach,
 * "Testing Shared Memories", SIAM J. Comput. 26(4), 1997): if none applies, the history is linearizable.
 *
 * <p>Unknown outcomes: a write whose outcome is unknown may have taken effect, so it counts as the write of its
 * value, with no return (it may take effect as late as anyone likes); an unread one constrains nothing. A failed
 * put or delete did not happen and writes nothing. The absent value is written by every delete, so it forms a
 * cluster only when the key has no delete (its write is then the initial state, before everything).
 *
 * <p>Each proof is a few operations (the zones' first-returning and last-calling operations and the writes),
 * which stay a violation on their own; the caller confirms that by an exact search of just those operations.
 */
public final class ReadsFrom {
    /** Stands for the initial (absent) state: a write before every event. */
    private static final Operation INITIAL = new Operation(-1, "", OpKind.PUT, null, null, null, Outcome.OK, -1, -1,
            0, 0, 0, 0);

    /**
     * What the reasoning found.
     *
     * @param proofs   proofs that the history is not linearizable, the most telling first (a few of them: those
     *                 that complete soonest, and without failed cas where there are such, as a failed cas relies
     *                 on every write that might have made it fail)
     * @param complete whether finding none proves the history linearizable (puts and gets only, distinct values)
     */
    public record Result(List<Explanation> proofs, boolean complete) {
        /** The most telling proof, or {@code null}. */
        public Explanation violation() {
            return proofs.isEmpty() ? null : proofs.getFirst();
        }
    }

    /** How many of the proofs found are offered: enough to pick one with a small closure. */
    private static final int PROOFS_OFFERED = 8;
    /** What each exact search that confirms or shrinks a proof may hold: proofs are small, closures mostly. */
    private static final long CONFIRMING_SEARCH_BYTES = 32L << 20;

    private record Zone(long start, long end) {
    }

    /** One value's write and observers. */
    private static final class Cluster {
        final String value;
        final Operation write;
        boolean repeated;       // written more than once: names no write, so no cluster
        int size;
        Operation firstReturn;  // the member with the earliest return
        Operation lastCall;     // the member with the latest call

        Cluster(String value, Operation write) {
            this.value = value;
            this.write = write;
            add(write);
        }

        void add(Operation op) {
            size++;
            if (firstReturn == null || ret(op) < ret(firstReturn)) {
                firstReturn = op;
            }
            if (lastCall == null || op.call() > lastCall.call()) {
                lastCall = op;
            }
        }

        boolean forward() {
            return ret(firstReturn) < lastCall.call();
        }

        long from() {
            return forward() ? ret(firstReturn) : lastCall.call();
        }

        long to() {
            return forward() ? lastCall.call() : ret(firstReturn);
        }
    }

    /** A proof before it is put in words: only the few offered are. */
    private record Finding(List<Operation> core, Operation culprit, java.util.function.Supplier<List<String>> why) {
        boolean usesFailedCas() {
            return core.stream().anyMatch(ReadsFrom::failedCas);
        }
    }

    private ReadsFrom() {
    }

    /** An unknown outcome's return is after everything; the initial state's is before everything. */
    private static long ret(Operation op) {
        return op.isOpenEnded() ? Long.MAX_VALUE : op.ret();
    }

    /**
     * @param operations one key's operations (any: those that constrain nothing are ignored)
     * @param absentReadsAsEmpty whether a read of {@code ""} may stand for the absent key
     */
    public static Result analyze(String key, List<Operation> operations, boolean absentReadsAsEmpty) {
        boolean deletes = false;
        boolean onlyPutsAndGets = true;
        boolean emptyWritten = false;
        boolean repeats = false;
        Map<String, Cluster> clusters = new HashMap<>(); // by value, from the value's write(s)
        for (Operation op : operations) {
            if (op.kind() == OpKind.APPEND) {
                return new Result(List.of(), false); // values are built from pieces: not this reasoning
            }
            if (op.kind() != OpKind.PUT && op.kind() != OpKind.GET) {
                onlyPutsAndGets = false;
            }
            if (!op.writes() || op.outcome() == Outcome.FAIL) {
                continue;
            }
            if (op.kind() == OpKind.DELETE) {
                deletes = true;
                continue;
            }
            emptyWritten |= "".equals(op.written());
            Cluster c = clusters.putIfAbsent(op.written(), new Cluster(op.written(), op));
            if (c != null) {
                c.repeated = true;
                repeats = true;
            }
        }
        if (absentReadsAsEmpty && emptyWritten) {
            clusters.get("").repeated = true; // a read of "" may have seen the absent key or that write
            repeats = true;
        }
        boolean emptyIsAbsent = absentReadsAsEmpty && !emptyWritten;
        boolean absentUnique = !deletes && !(absentReadsAsEmpty && emptyWritten);
        boolean complete = onlyPutsAndGets && !repeats && absentUnique;
        if (absentUnique) {
            clusters.put(null, new Cluster(null, INITIAL));
        }

        List<Operation> outsiders = new ArrayList<>(); // constrain, but belong to no cluster
        List<Finding> found = new ArrayList<>();
        for (Operation op : operations) {
            String seen = observedValue(op, emptyIsAbsent);
            boolean observer = op.outcome() == Outcome.OK && (op.kind() == OpKind.GET || op.kind() == OpKind.CAS);
            if (observer) {
                Cluster c = clusters.get(seen);
                if (c != null && !c.repeated) {
                    if (c.write != INITIAL && c.write.call() > op.ret()) {
                        found.add(new Finding(List.of(c.write, op), op, () -> List.of(OperationText.describe(op)
                                + " observed " + OperationText.value(seen) + ", but the only write of it, "
                                + OperationText.describe(c.write) + ", began after that returned.")));
                        continue;
                    }
                    c.add(op);
                    continue;
                }
                if (seen != null && c == null && !(absentReadsAsEmpty && seen.isEmpty())) {
                    found.add(new Finding(List.of(op), op, () -> List.of(OperationText.describe(op) + " observed "
                            + OperationText.value(seen) + ", but no operation that may have taken effect began to"
                            + " write it before that returned.")));
                    continue;
                }
            }
            if (op.outcome() == Outcome.OK || (op.kind() == OpKind.CAS && op.outcome() == Outcome.FAIL)) {
                outsiders.add(op);
            }
        }

        List<Cluster> forward = new ArrayList<>();
        List<Cluster> backward = new ArrayList<>();
        for (Cluster c : clusters.values()) {
            if (c.repeated || (c.size == 1 && c.write.isOpenEnded())) {
                continue; // no cluster; or an unread write of unknown outcome, which need not have happened
            }
            (c.forward() ? forward : backward).add(c);
        }
        forward.sort(Comparator.comparingLong(Cluster::from));
        Cluster reaching = null; // of the forward zones so far, the one that ends last
        for (Cluster c : forward) {
            if (reaching != null && c.from() < reaching.to()) {
                found.add(overlap(reaching, c));
            }
            if (reaching == null || c.to() > reaching.to()) {
                reaching = c;
            }
        }
        Enclosing enclosing = new Enclosing(forward);
        for (Cluster c : backward) {
            Cluster around = enclosing.around(c.from(), c.to());
            if (around != null) {
                found.add(inside(around, c));
            }
        }
        for (Operation op : outsiders) {
            Cluster around = enclosing.around(op.call(), ret(op));
            if (around != null && contradicts(op, around, emptyIsAbsent)) {
                found.add(outsider(around, op));
            }
        }
        // Proofs that complete soonest are closest to the shortest failing prefix.
        List<Explanation> best = found.stream()
                .sorted(Comparator.comparing(Finding::usesFailedCas)
                        .thenComparingLong(f -> ret(f.culprit()))
                        .thenComparingInt(f -> f.core().size()))
                .limit(PROOFS_OFFERED)
                .map(f -> Explanation.proof(key, f.core(), f.culprit(), true, f.why().get()))
                .toList();
        return new Result(best, complete);
    }

    /**
     * The reasoning's proof for one key as a certificate a person can check: its operations, with every operation
     * they may rely on ({@link kvstore.checker.model.Model.Dependencies#closure}), cannot be linearized together
     * (an exact search of just those confirms it), and no single one can be left out. {@code null} when there is
     * no proof, or it cannot be confirmed: a mistake in the reasoning must never become a verdict.
     */
    static Explanation confirmedProof(String key, List<Operation> operations, RegisterModel model, Budget budget) {
        return confirmedProof(key, analyze(key, operations, model.absentReadsAsEmpty()).proofs(),
                LinearizabilityChecker.searchable(operations, model), model, budget);
    }

    /**
     * As above, for the proofs an {@link #analyze} of a key's operations found.
     *
     * @param all the key's operations that can affect the verdict ({@link LinearizabilityChecker#searchable})
     */
    static Explanation confirmedProof(String key, List<Explanation> proofs, List<Operation> all, RegisterModel model,
                                      Budget budget) {
        if (proofs.isEmpty()) {
            return null;
        }
        budget = budget.withMaxSearchBytes(CONFIRMING_SEARCH_BYTES);
        Model.Dependencies dependencies = model.dependencies(all);
        Explanation proof = null;
        List<Operation> closed = null;
        for (Explanation candidate : proofs) { // the one that needs the fewest others
            List<Operation> c = dependencies.closure(candidate.core(), all);
            if ((closed == null || c.size() < closed.size()) && violates(c, model, budget)) {
                proof = candidate;
                closed = c;
            }
        }
        if (proof == null) {
            return null;
        }
        if (closed.size() > proof.core().size()) {
            Explanation again = analyze(key, closed, model.absentReadsAsEmpty()).violation();
            if (again == null) {
                return null;
            }
            proof = restated(again, closed, again.minimal());
        }
        boolean shrunk = true;
        boolean minimal = true;
        while (shrunk) {
            shrunk = false;
            minimal = true;
            for (Operation op : proof.core()) {
                List<Operation> rest = new ArrayList<>(proof.core());
                rest.remove(op);
                if (op.writes() && dependencies.closure(rest, all).size() > rest.size()) {
                    continue; // something kept relies on it
                }
                Explanation smaller = analyze(key, rest, model.absentReadsAsEmpty()).violation();
                List<Operation> smallerCore = smaller == null ? null : dependencies.closure(smaller.core(), all);
                if (smaller != null && smallerCore.size() < proof.core().size()
                        && violates(smallerCore, model, budget)) {
                    proof = restated(smaller, smallerCore, smaller.minimal());
                    shrunk = true;
                    break;
                }
                if (violates(rest, model, budget)) {
                    minimal = false; // a violation without it, but not one this reasoning can put in words
                }
            }
        }
        return minimal ? proof : restated(proof, proof.core(), false);
    }

    /** The proof's reasoning over {@code core}: the operations it named, and those they rely on. */
    private static Explanation restated(Explanation proof, List<Operation> core, boolean minimal) {
        return Explanation.proof(proof.key(), core, proof.culprit(), minimal, proof.why());
    }

    private static boolean violates(List<Operation> ops, RegisterModel model, Budget budget) {
        return WglSearch.check(model, ops, budget).verdict() == Verdict.NOT_LINEARIZABLE;
    }

    private static boolean failedCas(Operation op) {
        return op.kind() == OpKind.CAS && op.outcome() == Outcome.FAIL;
    }

    /** What an operation says the key held: an ok get's value, a cas's expected value. */
    private static String observedValue(Operation op, boolean emptyIsAbsent) {
        String seen = op.observed();
        return emptyIsAbsent && "".equals(seen) ? null : seen;
    }

    /** Whether {@code op}, linearized while the key holds the cluster's value, would be wrong. */
    private static boolean contradicts(Operation op, Cluster c, boolean emptyIsAbsent) {
        if (op == c.write) {
            return false;
        }
        if (failedCas(op)) {
            return Objects.equals(observedValue(op, emptyIsAbsent), c.value); // it found another value
        }
        if (op.kind() == OpKind.GET) {
            return !Objects.equals(observedValue(op, emptyIsAbsent), c.value);
        }
        return true; // an ok write of another value, or a delete, or a cas that expected another value
    }

    /**
     * Which forward zone contains a stretch of time strictly: of the zones that start before it, the one that
     * ends last (a prefix maximum over the zones sorted by start), if that one ends after it.
     */
    private static final class Enclosing {
        private final long[] starts;
        private final Cluster[] endingLast;

        Enclosing(List<Cluster> forwardByStart) {
            starts = new long[forwardByStart.size()];
            endingLast = new Cluster[forwardByStart.size()];
            Cluster best = null;
            for (int i = 0; i < starts.length; i++) {
                Cluster c = forwardByStart.get(i);
                starts[i] = c.from();
                if (best == null || c.to() > best.to()) {
                    best = c;
                }
                endingLast[i] = best;
            }
        }

        Cluster around(long from, long to) {
            int i = java.util.Arrays.binarySearch(starts, from);
            int before = i >= 0 ? i - 1 : -i - 2; // starts are event positions: equal ones are the same zone
            while (before >= 0 && starts[before] >= from) {
                before--;
            }
            if (before < 0) {
                return null;
            }
            Cluster c = endingLast[before];
            return c.to() > to ? c : null;
        }
    }

    /** "From t1 to t4 the key held "1" without interruption: ..." */
    private static String held(Cluster c) {
        String value = OperationText.value(c.value);
        String first = c.firstReturn == INITIAL ? "it was the initial value"
                : OperationText.describe(c.firstReturn) + " completed at t" + c.from();
        String why = c.write == c.firstReturn || c.write == c.lastCall
                ? ", and no other operation writes " + value
                : ", both relying on " + (c.write == INITIAL ? "the initial value"
                        : OperationText.describe(c.write)) + ", the only write of " + value;
        return "From t" + c.from() + " to t" + c.to() + " the key held " + value + " without interruption: " + first
                + " and " + OperationText.describe(c.lastCall) + " began at t" + c.to() + why + ".";
    }

    private static Finding overlap(Cluster a, Cluster b) {
        return new Finding(witnesses(a, b), latest(a, b), () -> List.of(held(a), held(b),
                "Both cannot be: the two stretches overlap."));
    }

    private static Finding inside(Cluster around, Cluster c) {
        return new Finding(witnesses(around, c), latest(around, c), () -> {
            String value = OperationText.value(c.value);
            String why = c.size == 1
                    ? OperationText.describe(c.write) + " took effect inside that stretch, and would have replaced "
                            + OperationText.value(around.value) + " for good."
                    : "Every operation on " + value + " (its write and " + (c.size - 1) + " that saw it) was"
                            + " under way from t" + c.from() + " to t" + c.to() + ", inside that stretch, so "
                            + value + " was there at some moment of it, which cannot be.";
            return List.of(held(around), why);
        });
    }

    private static Finding outsider(Cluster around, Operation op) {
        List<Operation> core = new ArrayList<>(witnesses(around));
        core.add(op);
        Operation culprit = ret(op) > ret(latest(around)) ? op : latest(around);
        return new Finding(core, culprit, () -> List.of(held(around), OperationText.describe(op) + " ran wholly"
                + " inside that stretch, yet " + (op.kind() == OpKind.GET ? "it saw another value."
                : failedCas(op) ? "it found the key did not hold that value."
                : "it changed the value, which could then never come back.")));
    }

    private static List<Operation> witnesses(Cluster... clusters) {
        Set<Operation> out = new LinkedHashSet<>();
        for (Cluster c : clusters) {
            for (Operation op : List.of(c.write, c.firstReturn, c.lastCall)) {
                if (op != INITIAL) {
                    out.add(op);
                }
            }
        }
        return new ArrayList<>(out);
    }

    private static Operation latest(Cluster... clusters) {
        Operation latest = null;
        for (Operation op : witnesses(clusters)) {
            if (latest == null || (ret(op) != Long.MAX_VALUE && (ret(latest) == Long.MAX_VALUE
                    || ret(op) > ret(latest)))) {
                latest = op;
            }
        }
        return latest;
    }
}
