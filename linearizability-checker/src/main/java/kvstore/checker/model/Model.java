package kvstore.checker.model;

import kvstore.checker.history.Operation;

/**
 * The sequential specification an object's history is checked against: a state machine over operations.
 * States must be immutable values with {@code equals} and {@code hashCode}, because the search remembers which
 * (set of linearized operations, state) pairs it has already explored.
 *
 * @param <S> the state type
 */
public interface Model<S> {
    S initialState();

    /**
     * The state after {@code op} takes effect in {@code state}, or {@code null} when {@code op}'s recorded
     * outcome is impossible there (a get that read another value, a cas whose comparison went the other way).
     * Operations with an unknown outcome must always be accepted. The answer may depend only on {@code state} and on
     * the operation's kind, key, value, expected value and outcome (not its process, id or times): the search
     * treats operations alike in those as interchangeable.
     */
    S step(S state, Operation op);

    /**
     * About how many bytes {@code state} holds, counting what it may share with other states: the search
     * remembers states, and bounds its memory with this estimate.
     */
    default long footprint(S state) {
        return 16;
    }

    /** The state in words, for explanations ("absent", "\"3\""). */
    String describe(S state);

    /**
     * Which operations of {@code operations} may rely on which others having taken effect. Explanations use it
     * to shrink a violation to a few operations without inventing a new one: an operation may be left out only
     * if nothing kept relies on it. The default keeps everything, which is always safe.
     */
    default Dependencies dependencies(java.util.List<Operation> operations) {
        return kept -> (observer, writer) -> true;
    }

    /**
     * The operations that can make a difference to the verdict, for the search to explore: a model may leave out
     * operations that provably cannot change it (the default keeps all). The search's cost grows quickly with the
     * number of operations of unknown outcome, which is what such pruning targets.
     */
    default java.util.List<Operation> relevant(java.util.List<Operation> operations) {
        return operations;
    }

    /** Dependencies among a history's operations, which may depend on what else is kept. */
    @FunctionalInterface
    interface Dependencies {
        /** The relation that holds while exactly {@code kept} are kept. */
        Relation among(java.util.List<Operation> kept);

        /**
         * {@code kept} with, until nothing changes, every operation of {@code all} that a kept one may rely on, in
         * the order of {@code all}. A set so closed cannot be linearizable just because something it relies on was
         * left out: if it is not linearizable, neither is {@code all}.
         */
        default java.util.List<Operation> closure(java.util.Collection<Operation> kept, java.util.List<Operation> all) {
            java.util.Set<Operation> keep = new java.util.HashSet<>(kept);
            boolean changed = true;
            while (changed) {
                changed = false;
                java.util.List<Operation> current = all.stream().filter(keep::contains).toList();
                Relation relation = among(current);
                for (Operation dropped : all) {
                    if (keep.contains(dropped)) {
                        continue;
                    }
                    for (Operation k : current) { // the relation knows which kept ones observe
                        if (relation.mayRelyOn(k, dropped)) {
                            keep.add(dropped);
                            changed = true;
                            break;
                        }
                    }
                }
            }
            return all.stream().filter(keep::contains).toList();
        }
    }

    /** Whether {@code observer}'s recorded outcome may depend on {@code writer} having taken effect. */
    @FunctionalInterface
    interface Relation {
        boolean mayRelyOn(Operation observer, Operation writer);
    }
}
