package kvstore.checker.search;

import kvstore.checker.history.Operation;
import kvstore.checker.model.Model;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Wing and Gong's linearizability search with Lowe's memoization (as in Porcupine), for the operations of one
 * object.
 *
 * <p>The operations' calls and returns form one list in real-time order. The search walks it: at a call it tries
 * to linearize that operation now (the model must accept it, and the resulting configuration must be new); if it
 * can, the operation's call and return are lifted out of the list and the walk restarts from the front. Meeting a
 * return means some operation would have to take effect after it returned, so the search backtracks: it undoes the
 * most recent linearization and tries the next candidate after it. The history is linearizable iff the list
 * empties; it is not iff the search backtracks out of its first choice.
 *
 * <p>Operations with an unknown outcome have their return at the end of time, so they may take effect anywhere
 * after their call, or last (which is the same as never).
 */
public final class WglSearch<S> {
    private static final long SEED = 0x5EED_0F_C0FFEEL; // fixed, so every run searches identically
    private static final int BUDGET_CHECK_INTERVAL = 1 << 12;

    private final Model<S> model;
    private final Operation[] ops;
    private final int entries;  // 2 per operation: node 2i is op i's call, 2i+1 its return
    private final int head;     // sentinel node before the first entry
    private final int[] next;
    private final int[] prev;

    private WglSearch(Model<S> model, List<Operation> operations) {
        this.model = model;
        this.ops = operations.toArray(new Operation[0]);
        this.entries = ops.length * 2;
        this.head = entries;
        this.next = new int[entries + 1];
        this.prev = new int[entries + 1];
        linkInRealTimeOrder();
    }

    /** Checks the given operations (all of one object) against {@code model}. */
    public static <S> SearchResult check(Model<S> model, List<Operation> operations, Budget budget) {
        return new WglSearch<>(model, operations).run(budget);
    }

    private void linkInRealTimeOrder() {
        long[] order = new long[entries];
        for (int i = 0; i < ops.length; i++) {
            // Event positions are distinct, except that every open-ended return sits at NEVER: those tie-break
            // by node number, which keeps them after every real event and in a fixed order.
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
        int n = ops.length;
        long[] zobrist = new long[n];
        SplittableRandom random = new SplittableRandom(SEED);
        for (int i = 0; i < n; i++) {
            zobrist[i] = random.nextLong();
        }
        long[] bits = new long[(n + 63) / 64 + 1];
        long setHash = 0;
        int lowWater = 0;   // every word below it is all ones
        int highWater = -1; // every word above it is zero

        MemoTable memo = new MemoTable();
        int[] stackNode = new int[n];
        Object[] stackState = new Object[n];
        int depth = 0;

        S state = model.initialState();
        long steps = 0;
        int node = next[head];
        while (next[head] != -1) {
            if ((++steps & (BUDGET_CHECK_INTERVAL - 1)) == 0 && budget.expired()) {
                return new SearchResult(Verdict.UNKNOWN, List.of(), "time budget exhausted", steps, memo.size());
            }
            if ((node & 1) == 0) { // a call: try to linearize this operation now
                int op = node >>> 1;
                S after = model.step(state, ops[op]);
                if (after != null) {
                    int word = op >>> 6;
                    bits[word] |= 1L << op;
                    long hashAfter = setHash ^ zobrist[op];
                    if (word > highWater) {
                        highWater = word;
                    }
                    while (lowWater <= highWater && bits[lowWater] == -1L) {
                        lowWater++;
                    }
                    while (highWater >= lowWater && bits[highWater] == 0L) {
                        highWater--;
                    }
                    if (memo.add(hashAfter, bits, lowWater, highWater, after)) {
                        if (memo.size() > budget.maxMemoEntries()) {
                            return new SearchResult(Verdict.UNKNOWN, List.of(), "memory budget exhausted ("
                                    + memo.size() + " configurations)", steps, memo.size());
                        }
                        stackNode[depth] = node;
                        stackState[depth] = state;
                        depth++;
                        state = after;
                        setHash = hashAfter;
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
            } else { // a return: its operation had to be linearized by now, so undo the latest choice
                if (depth == 0) {
                    return new SearchResult(Verdict.NOT_LINEARIZABLE, List.of(), null, steps, memo.size());
                }
                depth--;
                node = stackNode[depth];
                @SuppressWarnings("unchecked")
                S previous = (S) stackState[depth];
                state = previous;
                stackState[depth] = null;
                int op = node >>> 1;
                bits[op >>> 6] &= ~(1L << op);
                if ((op >>> 6) < lowWater) {
                    lowWater = op >>> 6;
                }
                setHash ^= zobrist[op];
                unlift(node);
                node = next[node];
            }
        }
        List<Operation> linearization = new ArrayList<>(depth);
        for (int i = 0; i < depth; i++) {
            linearization.add(ops[stackNode[i] >>> 1]);
        }
        return new SearchResult(Verdict.LINEARIZABLE, linearization, null, steps, memo.size());
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
}
