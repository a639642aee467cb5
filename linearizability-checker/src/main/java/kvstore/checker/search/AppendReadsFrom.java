package kvstore.checker.search;

import kvstore.checker.explain.Explanation;
import kvstore.checker.explain.OperationText;
import kvstore.checker.history.OpKind;
import kvstore.checker.history.Operation;
import kvstore.checker.history.Outcome;
import kvstore.checker.model.RegisterModel;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Reads-from reasoning for a key built by appends, when every put writes a value of its own and a read's value
 * splits in one way only into a put's value (or the initial one) and appended pieces (Porcupine's key-value
 * histories, where a retried append may add the same piece twice; Jepsen's list-append tests): a read then names
 * the put it builds on and the pieces appended after it, in order, as in Elle's reasoning about list histories
 * (Kingsbury and Alvaro, "Elle", PVLDB 14(3), 2020). Without another put in between, values only grow, so
 * <ol>
 *   <li>a value that no put and appends of the key make up cannot be read;</li>
 *   <li>a read cannot contain an append invoked after it returned;</li>
 *   <li>two reads on the same base must be one a prefix of the other (the base's put happens once, and from it
 *       the value only grows), and a read that began after another on the same base returned cannot be
 *       shorter.</li>
 * </ol>
 * A proof names the reads, their base's put and their appends: any linearization of the whole history, kept to
 * just those, is one of them, so they cannot be linearized together is a proof for the whole history. This finds
 * violations only; a key it finds none in goes to the search.
 */
final class AppendReadsFrom {
    private static final int MAX_PIECE_LENGTHS = 64;      // more distinct lengths: splitting values costs too much
    private static final long MAX_READ_CHARS = 64L << 20; // a bound on the text split, whatever the history
    private static final long PROOF_SEARCH_BYTES = 32L << 20;

    /**
     * A read split into what it builds on and the pieces appended after that, in order.
     *
     * @param base the put it builds on, {@link Splitter#INITIAL}, or {@code null} for the absent key when deletes
     *             make that more than one write
     */
    private record Split(Operation read, Operation base, List<String> pieces) {
    }

    private AppendReadsFrom() {
    }

    /**
     * A proof that the key is not linearizable, or null. An exact search of just its operations must not find
     * them linearizable (a mistake in the reasoning never becomes a verdict); it may run out of its small budget,
     * as appends whose order only two reads pin down leave it many orders to try.
     */
    static Explanation confirmedProof(String key, List<Operation> operations, RegisterModel model, Budget budget) {
        Explanation proof = analyze(key, operations, model.absentReadsAsEmpty(), budget);
        if (proof == null || WglSearch.check(model, proof.core(), budget.withMaxSearchBytes(PROOF_SEARCH_BYTES))
                .verdict() == Verdict.LINEARIZABLE) {
            return null;
        }
        return proof;
    }

    static Explanation analyze(String key, List<Operation> operations, boolean absentReadsAsEmpty) {
        return analyze(key, operations, absentReadsAsEmpty, Budget.unlimited());
    }

    /** The proof that completes soonest, or {@code null}; also when the budget runs out while splitting reads. */
    static Explanation analyze(String key, List<Operation> operations, boolean absentReadsAsEmpty, Budget budget) {
        Map<String, List<Operation>> pieces = new HashMap<>(); // a retried append adds the same piece again
        Map<String, Operation> puts = new HashMap<>();
        boolean deletes = false;
        boolean appends = false;
        long readChars = 0;
        for (Operation op : operations) {
            switch (op.kind()) {
                case CAS -> {
                    return null;
                }
                case DELETE -> deletes |= op.outcome() != Outcome.FAIL;
                case APPEND -> {
                    appends = true;
                    if (op.outcome() != Outcome.FAIL) {
                        if (op.value().isEmpty()) {
                            return null; // an empty piece: any value splits in many ways
                        }
                        pieces.computeIfAbsent(op.value(), v -> new ArrayList<>()).add(op);
                    }
                }
                case PUT -> {
                    if (op.outcome() != Outcome.FAIL && puts.put(op.value(), op) != null) {
                        return null;
                    }
                }
                case GET -> readChars += op.value() == null ? 0 : op.value().length();
            }
        }
        if (!appends || readChars > MAX_READ_CHARS) {
            return null;
        }
        int[] pieceLengths = lengths(pieces.keySet());
        int[] putLengths = lengths(puts.keySet());
        if (pieceLengths.length > MAX_PIECE_LENGTHS || putLengths.length > MAX_PIECE_LENGTHS) {
            return null;
        }
        Splitter splitter = new Splitter(pieces, pieceLengths, puts, putLengths, !deletes, absentReadsAsEmpty);
        List<Explanation> found = new ArrayList<>();
        Map<Operation, List<Split>> byBase = new HashMap<>();
        for (Operation op : operations) {
            if (op.kind() != OpKind.GET || op.outcome() != Outcome.OK) {
                continue;
            }
            if (budget.expired()) {
                return null;
            }
            List<Split> splits = splitter.splits(op, 2);
            if (splits == null) {
                continue; // too many ways to split it: this read tells nothing certain
            }
            if (splits.isEmpty()) {
                found.add(proof(key, List.of(op), op, OperationText.describe(op) + " read a value that no put and"
                        + " appends of this key make up."));
                continue;
            }
            if (splits.size() > 1) {
                continue;
            }
            Split split = splits.getFirst();
            Operation late = lateWrite(split, pieces);
            if (late != null) {
                found.add(proof(key, coreOf(split, pieces), op, OperationText.describe(op) + " read a value that"
                        + " contains what " + OperationText.describe(late) + " wrote, which began after the read"
                        + " returned" + (late.kind() == OpKind.APPEND && pieces.get(late.value()).size() > 1
                        ? ", as did every other append of it." : ".")));
                continue;
            }
            if (split.base() != null) { // absent when there are deletes: the base is not known to be one write
                byBase.computeIfAbsent(split.base(), b -> new ArrayList<>()).add(split);
            }
        }
        for (List<Split> sameBase : byBase.values()) {
            Explanation e = sameBaseProof(key, sameBase, pieces);
            if (e != null) {
                found.add(e);
            }
        }
        return found.stream().min(Comparator.comparingInt((Explanation e) -> e.culprit().ret())
                .thenComparingInt(e -> e.core().size())).orElse(null);
    }

    /** The base's put, or a piece whose every append, invoked after the read returned; else null. */
    private static Operation lateWrite(Split split, Map<String, List<Operation>> pieces) {
        Operation read = split.read();
        if (split.base() != null && split.base() != Splitter.INITIAL && split.base().call() > read.ret()) {
            return split.base();
        }
        for (String piece : split.pieces()) {
            List<Operation> appends = pieces.get(piece);
            if (appends.stream().allMatch(a -> a.call() > read.ret())) {
                return appends.getFirst();
            }
        }
        return null;
    }

    /**
     * Reads on one base form a chain of values, each a prefix of the next, growing in real time. The longest read
     * is the chain's end; any read not a prefix of it, or shorter than one that returned before it began, is a
     * proof.
     */
    private static Explanation sameBaseProof(String key, List<Split> reads, Map<String, List<Operation>> pieces) {
        Split longest = reads.stream().max(Comparator.comparingInt((Split s) -> valueOf(s).length()))
                .orElseThrow();
        for (Split s : reads) {
            if (!valueOf(longest).startsWith(valueOf(s))) {
                int part = firstDifference(s.pieces(), longest.pieces());
                return twoReads(key, s, longest, pieces, "Both build on " + base(s) + ", and neither is a prefix"
                        + " of the other: after " + part + (part == 1 ? " piece" : " pieces") + " in common, one has "
                        + piece(s.pieces(), part) + " and the other " + piece(longest.pieces(), part)
                        + ". After one write of a value, appends only add to its end, so both cannot be.");
            }
        }
        // All prefixes of the longest: now real time. Sweep the reads by call, knowing the longest that returned.
        List<Split> byCall = new ArrayList<>(reads);
        byCall.sort(Comparator.comparingInt(s -> s.read().call()));
        List<Split> byReturn = new ArrayList<>(reads);
        byReturn.sort(Comparator.comparingInt(s -> s.read().ret()));
        Split longestReturned = null;
        int next = 0;
        for (Split s : byCall) {
            while (next < byReturn.size() && byReturn.get(next).read().ret() < s.read().call()) {
                Split r = byReturn.get(next++);
                if (longestReturned == null || r.pieces().size() > longestReturned.pieces().size()) {
                    longestReturned = r;
                }
            }
            if (longestReturned != null && s.pieces().size() < longestReturned.pieces().size()) {
                return twoReads(key, longestReturned, s, pieces, OperationText.describe(s.read()) + " began after "
                        + OperationText.describe(longestReturned.read()) + " returned, both build on " + base(s)
                        + ", yet it saw " + s.pieces().size() + " of the " + longestReturned.pieces().size()
                        + " appended pieces the first one saw. After one write of a value, appends only add to its"
                        + " end: the value cannot have shrunk.");
            }
        }
        return null;
    }

    private static String valueOf(Split s) {
        return s.read().value() == null ? "" : s.read().value();
    }

    private static String base(Split s) {
        return s.base() == Splitter.INITIAL ? "the initial value" : OperationText.describe(s.base());
    }

    private static String piece(List<String> pieces, int i) {
        return i < pieces.size() ? OperationText.value(pieces.get(i)) : "nothing more";
    }

    private static int firstDifference(List<String> a, List<String> b) {
        int i = 0;
        while (i < a.size() && i < b.size() && a.get(i).equals(b.get(i))) {
            i++;
        }
        return i;
    }

    private static Explanation twoReads(String key, Split a, Split b, Map<String, List<Operation>> pieces,
                                        String why) {
        Set<Operation> core = new LinkedHashSet<>(coreOf(a, pieces));
        core.addAll(coreOf(b, pieces));
        Operation culprit = a.read().ret() > b.read().ret() ? a.read() : b.read();
        return proof(key, new ArrayList<>(core), culprit, why);
    }

    /** The read, the put it builds on, and every append of its pieces: what it may rely on. */
    private static List<Operation> coreOf(Split s, Map<String, List<Operation>> pieces) {
        Set<Operation> core = new LinkedHashSet<>();
        core.add(s.read());
        if (s.base() != null && s.base() != Splitter.INITIAL) {
            core.add(s.base());
        }
        for (String piece : s.pieces()) {
            core.addAll(pieces.get(piece));
        }
        return new ArrayList<>(core);
    }

    private static Explanation proof(String key, List<Operation> core, Operation culprit, String why) {
        return Explanation.proof(key, core, culprit, false, List.of(why));
    }

    private static int[] lengths(Set<String> values) {
        TreeSet<Integer> lengths = new TreeSet<>();
        for (String v : values) {
            lengths.add(v.length());
        }
        return lengths.stream().mapToInt(Integer::intValue).toArray();
    }

    /** Splits read values into a base and pieces, counting the ways (up to a bound). */
    private static final class Splitter {
        /** Stands for the initial value as a base. */
        static final Operation INITIAL = new Operation(-1, "", OpKind.PUT, null, null, null, Outcome.OK, -1, -1,
                0, 0, 0, 0);

        private final Map<String, List<Operation>> pieces;
        private final int[] pieceLengths;
        private final Map<String, Operation> puts;
        private final int[] putLengths;
        private final boolean initialIsOneWrite;
        private final boolean absentReadsAsEmpty;

        Splitter(Map<String, List<Operation>> pieces, int[] pieceLengths, Map<String, Operation> puts, int[] putLengths,
                 boolean initialIsOneWrite, boolean absentReadsAsEmpty) {
            this.pieces = pieces;
            this.pieceLengths = pieceLengths;
            this.puts = puts;
            this.putLengths = putLengths;
            this.initialIsOneWrite = initialIsOneWrite;
            this.absentReadsAsEmpty = absentReadsAsEmpty;
        }

        /**
         * Every way to read the get's value as a base then pieces, or {@code null} if there are more than
         * {@code limit}. The base is {@code null} for the absent key when deletes make it more than one write.
         */
        List<Split> splits(Operation read, int limit) {
            String value = read.value();
            List<Split> out = new ArrayList<>();
            if (value == null || (absentReadsAsEmpty && value.isEmpty())) {
                out.add(new Split(read, initialIsOneWrite ? INITIAL : null, List.of()));
            }
            if (value == null) {
                return out;
            }
            long[] ways = waysFrom(value, limit);
            // The appends after the initial value (its text is empty: appending to absent starts the value).
            if (!value.isEmpty() && ways[0] > 0) {
                if (ways[0] > 1) {
                    return null;
                }
                out.add(new Split(read, initialIsOneWrite ? INITIAL : null, follow(value, 0, ways)));
            }
            for (int length : putLengths) {
                if (length > value.length()) {
                    break;
                }
                Operation put = puts.get(value.substring(0, length));
                if (put == null) {
                    continue;
                }
                if (length == value.length()) {
                    out.add(new Split(read, put, List.of()));
                } else if (ways[length] > 0) {
                    if (ways[length] > 1) {
                        return null;
                    }
                    out.add(new Split(read, put, follow(value, length, ways)));
                }
                if (out.size() > limit) {
                    return null;
                }
            }
            if (out.size() > limit) {
                return null;
            }
            // A split that uses a piece more often than it was appended is no split: each append happens once.
            out.removeIf(s -> {
                Map<String, Integer> uses = new HashMap<>();
                for (String piece : s.pieces()) {
                    if (uses.merge(piece, 1, Integer::sum) > pieces.get(piece).size()) {
                        return true;
                    }
                }
                return false;
            });
            return out;
        }

        /** ways[i]: in how many ways value[i..] splits into pieces, counted up to 2 (ways[length] = 1). */
        private long[] waysFrom(String value, int limit) {
            int n = value.length();
            long[] ways = new long[n + 1];
            ways[n] = 1;
            for (int i = n - 1; i >= 0; i--) {
                long w = 0;
                for (int length : pieceLengths) {
                    if (i + length > n) {
                        break;
                    }
                    if (ways[i + length] > 0 && pieces.containsKey(value.substring(i, i + length))) {
                        w = Math.min(limit, w + ways[i + length]);
                    }
                }
                ways[i] = w;
            }
            return ways;
        }

        /** The one split of value[from..] (ways[from] == 1). */
        private List<String> follow(String value, int from, long[] ways) {
            List<String> split = new ArrayList<>();
            int i = from;
            while (i < value.length()) {
                for (int length : pieceLengths) {
                    if (i + length <= value.length() && ways[i + length] > 0) {
                        String piece = value.substring(i, i + length);
                        if (pieces.containsKey(piece)) {
                            split.add(piece);
                            i += length;
                            break;
                        }
                    }
                }
            }
            return split;
        }

        @Override
        public String toString() {
            return "Splitter" + Arrays.toString(pieceLengths);
        }
    }
}
