package kvstore.sim.workload;

/**
 * What simulated clients ask for: a weight for each kind of operation, and how long the values they write are.
 *
 * @param valueLength the length written values are padded to (0: as they come, "c3-17-42"); each stays unique
 */
public record OperationMix(int get, int put, int delete, int cas, int getAll, int valueLength) {
    public OperationMix {
        if (get < 0 || put < 1 || delete < 0 || cas < 0 || getAll < 0 || valueLength < 0) {
            throw new IllegalArgumentException("weights are at least 0 (puts at least 1): " + this);
        }
    }

    /** 30% gets, 30% puts, 10% deletes, 20% cas, 10% whole-store reads; short values. */
    public static OperationMix defaults() {
        return new OperationMix(30, 30, 10, 20, 10, 0);
    }

    int total() {
        return get + put + delete + cas + getAll;
    }

    @Override
    public String toString() {
        return "get " + get + ", put " + put + ", delete " + delete + ", cas " + cas + ", get-all " + getAll
                + (valueLength == 0 ? "" : ", values of " + valueLength + " characters");
    }
}
