package kvstore.checker.search;

import kvstore.checker.history.Operation;
import kvstore.checker.model.Model;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Wing and Gong's linearizability search with Lowe's memoization (as in Porcupine), for the operations of one
 * object, with operations of unknown outcome handled apart.
 *
 * <p>The calls and returns of operations with a known outcome form one list in real-time order. The search walks
 * it: at a call it tries to linearize that operation now (the model must accept it, and the configuration it
 * leads to must be new); if it can, the operation's call and return are lifted out of the list and the walk
 * restarts from the front. Meeting a return means that operation would have to take effect after it returned,
 * so once the other candidates are exhausted the search backtracks: it undoes the latest linearization and tries
 * the next candidate after it. The history is linearizable iff every known-outcome operation gets linearized; it
 * is not iff the search backtracks out of its first choice.
 *
 * <p>An operation of unknown outcome may take effect at any point after its call, or never. It can never be
 * late, so it is only tried after the known-outcome candidates, and it is never required: leftovers simply go
 * last. That also gives an order on configurations: with the same state and the same known-outcome operations
 * done, having fewer unknown ones done is at least as good (the others stay available). The memo therefore
 * prunes a configuration when one with a subset of its unknown operations was already seen. This is what keeps
 * histories with many timed-out writes tractable.
 *
 * <p>Unknown-outcome operations that are alike (same kind, arguments and outcome, such as many timed-out deletes of
 * one key) are interchangeable once called, so they are linearized in the order of their calls only: a linearization
 * that uses a later one while an earlier one stays unused is the same as one using the earlier one. Without this,
 * k such operations give 2^k configurations where k + 1 are enough.
 */
public final class WglSearch<S> {
    private static final long SEED = 0x5EED_0F_C0FFEEL; // fixed, so every run searches identically
    private static final int BUDGET_CHECK_INTERVAL = 1 << 12;
    private final Model<S> model;
    private final Operation[] ops;       // operations with a known outcome, in the list: indexes 0..listed-1
    private final int listed;
    private final Operation[] apart;     // unknown-outcome operations handled apart, by call
    private final int head;              // sentinel node before the list's first entry
    private final int[] next;            // node 2i is list op i's call, 2i+1 its return
    private final int[] prev;
    private final int apartHead;         // sentinel of the list of apart operations not yet linearized
    private final int[] apartNext;
    private final int[] apartPrev;
    private final int[] twinBefore;      // the previous apart operation alike to each (-1: none), see the class doc

    private WglSearch(Model<S> model, List<Operation> operations) {
        this.model = model;
        List<Operation> inList = new ArrayList<>();
        List<Operation> outside = new ArrayList<>();
        for (Operation op : operations) {
            (op.isOpenEnded() ? outside : inList).add(op);
        }
        outside.sort((a, b) -> Integer.compare(a.call(), b.call()));
        this.ops = inList.toArray(new Operation[0]);
        this.listed = ops.length;
        this.apart = outside.toArray(new Operation[0]);
        this.head = 2 * listed;
        this.next = new int[head + 1];
        this.prev = new int[head + 1];
        this.apartHead = apart.length;
        this.apartNext = new int[apart.length + 1];
        this.apartPrev = new int[apart.length + 1];
        linkInRealTimeOrder();
        int m = apart.length; // a circular list through the sentinel
        for (int i = 0; i < m; i++) {
            apartNext[i] = i + 1 < m ? i + 1 : apartHead;
            apartPrev[i] = i > 0 ? i - 1 : apartHead;
        }
        apartNext[apartHead] = m > 0 ? 0 : apartHead;
        this.twinBefore = new int[m];
        java.util.Map<List<Object>, Integer> lastAlike = new java.util.HashMap<>();
        for (int i = 0; i < m; i++) {
            Operation op = apart[i];
            List<Object> alike = Arrays.asList(op.kind(), op.key(), op.value(), op.expected(), op.outcome());
            Integer twin = lastAlike.put(alike, i);
            twinBefore[i] = twin == null ? -1 : twin;
        }
        apartPrev[apartHead] = m > 0 ? m - 1 : apartHead;
    }

    /** Checks the given operations (all of one object) against {@code model}. */
    public static <S> SearchResult check(Model<S> model, List<Operation> operations, Budget budget) {
        return new WglSearch<>(model, operations).run(budget);
    }

    private void linkInRealTimeOrder() {
        long[] order = new long[2 * listed];
        for (int i = 0; i < listed; i++) {
            // Event positions are distinct: calls and returns of known-outcome operations never tie.
            order[2 * i] = ((long) ops[i].call() << 32) | (2 * i);
            order[2 * i + 1] = ((long) ops[i].ret() << 32) | (2 * i + 1);
        }
        Arrays.sort(order);
        int last = head;
        for (long o : order) {
            int node = (int) o;
            next[last] = node;
            prev[node] = last;
            last = node;
        }
        next[last] = -1;
    }

    private SearchResult run(Budget budget) {
        long[] zobrist = new long[listed];
        SplittableRandom random = new SplittableRandom(SEED);
        for (int i = 0; i < listed; i++) {
            zobrist[i] = random.nextLong();
        }
        long[] bits = new long[(listed + 63) / 64 + 1];
        long setHash = 0;
        long[] apartDone = new long[(apart.length + 63) / 64 + 1]; // apart operations linearized
        int lowWater = 0;     // every word below it is all ones
        int highWater = -1;   // every word above it is zero

        MemoTable memo = new MemoTable();
        int n = listed + apart.length;
        int[] stackChoice = new int[n];      // a list node (>= 0), or -(apart index + 1)
        int[] stackFrontier = new int[n];
        Object[] stackState = new Object[n];
        int depth = 0;
        int definiteDone = 0;

        S state = model.initialState();
        long steps = 0;
        int furthest = -1;
        int node = next[head];
        int apartCursor = -1;  // when >= 0: trying apart operations, and this is the next candidate
        int frontier = 0;      // while trying apart operations: the position of the earliest pending return
        while (definiteDone < listed) {
            if ((++steps & (BUDGET_CHECK_INTERVAL - 1)) == 0 && (budget.expired() || steps > budget.maxSteps())) {
                return new SearchResult(Verdict.UNKNOWN, List.of(), budget.expired() ? budget.whyExpired()
                        : "step budget exhausted", -1, steps, memo.size());
            }
            if (apartCursor < 0 && (node & 1) == 0) { // a call in the list: try to linearize it now
                int op = node >>> 1;
                S after = model.step(state, ops[op]);
                if (after != null) {
                    int word = op >>> 6;
                    bits[word] |= 1L << op;
                    if (word > highWater) {
                        highWater = word;
                    }
                    while (lowWater <= highWater && bits[lowWater] == -1L) {
                        lowWater++;
                    }
                    while (highWater >= lowWater && bits[highWater] == 0L) {
                        highWater--;
                    }
                    long hashAfter = setHash ^ zobrist[op];
                    if (memo.add(hashAfter, bits, lowWater, highWater, after, apartDone, model.footprint(after))) {
                        if (memo.bytes() > budget.maxSearchBytes()) {
                            return outOfMemory(memo, steps);
                        }
                        stackChoice[depth] = node;
                        stackState[depth] = state;
                        depth++;
                        state = after;
                        setHash = hashAfter;
                        definiteDone++;
                        lift(node);
                        node = next[head];
                        continue;
                    }
                    bits[word] &= ~(1L << op);
                    if (word < lowWater) {
                        lowWater = word;
                    }
                }
                node = next[node];
                continue;
            }
            if (apartCursor < 0) { // reached the earliest pending return: now the unknown-outcome candidates
                frontier = ops[node >>> 1].ret();
                // Every entry before this one is a call, so the configuration linearizes every event before
                // this return. The furthest such return over the whole (complete) search is where the shortest
                // non-linearizable prefix ends.
                furthest = Math.max(furthest, frontier);
                apartCursor = apartNext[apartHead];
            }
            if (apartCursor != apartHead && apart[apartCursor].call() < frontier) {
                int i = apartCursor;
                int twin = twinBefore[i];
                if (twin >= 0 && (apartDone[twin >>> 6] & (1L << twin)) == 0) {
                    apartCursor = apartNext[i]; // its earlier twin, still unused, stands for it
                    continue;
                }
                S after = model.step(state, apart[i]);
                while (highWater >= lowWater && bits[highWater] == 0L) { // the memo compares sets by their
                    highWater--;                                            // exact extent: keep it tight
                }
                apartDone[i >>> 6] |= 1L << i;
                if (after != null && !redundantAfterApart(depth, stackChoice, stackState, i, after)
                        && memo.add(setHash, bits, lowWater, highWater, after, apartDone, model.footprint(after))) {
                    if (memo.bytes() > budget.maxSearchBytes()) {
                        return outOfMemory(memo, steps);
                    }
                    stackChoice[depth] = -(i + 1);
                    stackFrontier[depth] = frontier;
                    stackState[depth] = state;
                    depth++;
                    state = after;
                    unlinkApart(i);
                    node = next[head];
                    apartCursor = -1;
                    continue;
                }
                apartDone[i >>> 6] &= ~(1L << i);
                apartCursor = apartNext[i];
                continue;
            }
            // Every candidate of this configuration has been tried: undo the latest choice.
            if (depth == 0) {
                return new SearchResult(Verdict.NOT_LINEARIZABLE, List.of(), null, furthest, steps, memo.size());
            }
            depth--;
            int choice = stackChoice[depth];
            @SuppressWarnings("unchecked")
            S previous = (S) stackState[depth];
            state = previous;
            stackState[depth] = null;
            if (choice >= 0) {
                int op = choice >>> 1;
                bits[op >>> 6] &= ~(1L << op);
                if ((op >>> 6) < lowWater) {
                    lowWater = op >>> 6;
                }
                setHash ^= zobrist[op];
                definiteDone--;
                unlift(choice);
                node = next[choice];
                apartCursor = -1;
            } else {
                int i = -choice - 1;
                apartDone[i >>> 6] &= ~(1L << i);
                relinkApart(i);
                frontier = stackFrontier[depth];
                apartCursor = apartNext[i];
            }
        }
        List<Operation> linearization = new ArrayList<>(depth + apart.length);
        for (int i = 0; i < depth; i++) {
            int choice = stackChoice[i];
            linearization.add(choice >= 0 ? ops[choice >>> 1] : apart[-choice - 1]);
        }
        // What is left has an unknown outcome and can take effect last, or never.
        for (int i = apartNext[apartHead]; i != apartHead; i = apartNext[i]) {
            linearization.add(apart[i]);
        }
        return new SearchResult(Verdict.LINEARIZABLE, linearization, null, -1, steps, memo.size());
    }

    private static SearchResult outOfMemory(MemoTable memo, long steps) {
        return new SearchResult(Verdict.UNKNOWN, List.of(), "memory budget exhausted (" + memo.size()
                + " configurations, about " + (memo.bytes() >> 20) + " MB)", -1, steps, memo.size());
    }

    /**
     * Whether linearizing apart operation {@code i} right after another apart operation X gives nothing that
     * linearizing {@code i} instead of X would not: same state, fewer unknown operations used (two writes in a
     * row, the first overwritten unseen). The memo cannot see this when the larger set is met first, which
     * otherwise makes the search try every sequence of timed-out writes.
     */
    private boolean redundantAfterApart(int depth, int[] stackChoice, Object[] stackState, int i, S after) {
        if (depth == 0 || stackChoice[depth - 1] >= 0) {
            return false;
        }
        @SuppressWarnings("unchecked")
        S beforeX = (S) stackState[depth - 1];
        S withoutX = model.step(beforeX, apart[i]);
        return after.equals(withoutX);
    }

    /** Takes an operation's call and return out of the list (Knuth's dancing links: they keep their pointers). */
    private void lift(int call) {
        unlink(call);
        unlink(call + 1);
    }

    /** Puts them back; lifts are undone in reverse order, so the saved pointers are still right. */
    private void unlift(int call) {
        relink(call + 1);
        relink(call);
    }

    private void unlink(int node) {
        next[prev[node]] = next[node];
        if (next[node] != -1) {
            prev[next[node]] = prev[node];
        }
    }

    private void relink(int node) {
        next[prev[node]] = node;
        if (next[node] != -1) {
            prev[next[node]] = node;
        }
    }

    private void unlinkApart(int i) {
        apartNext[apartPrev[i]] = apartNext[i];
        apartPrev[apartNext[i]] = apartPrev[i];
    }

    private void relinkApart(int i) {
        apartNext[apartPrev[i]] = i;
        apartPrev[apartNext[i]] = i;
    }
}
