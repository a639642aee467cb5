package kvstore.checker.generate;

/**
 * The shape of a generated history.
 *
 * @param operations  how many operations
 * @param processes   how many concurrent clients
 * @param keys        how many keys (chosen uniformly)
 * @param values      how many distinct values writes choose from; 0 means every write writes a new value
 * @param readShare   the share of gets; the rest is split between put, delete, append and cas by the weights
 * @param unknownShare the share of operations whose outcome is recorded as unknown (info)
 * @param concurrency how long an operation stays open, in multiples of a client's pause between operations
 *                    (larger: more overlap)
 */
public record WorkloadShape(int operations, int processes, int keys, int values, double readShare,
                            int putWeight, int deleteWeight, int appendWeight, int casWeight, double unknownShare,
                            int concurrency) {

    public static WorkloadShape of(int operations, int processes, int keys) {
        return new WorkloadShape(operations, processes, keys, 0, 0.5, 6, 1, 0, 3, 0.02, 1);
    }

    public WorkloadShape withValues(int v) {
        return new WorkloadShape(operations, processes, keys, v, readShare, putWeight, deleteWeight, appendWeight,
                casWeight, unknownShare, concurrency);
    }

    public WorkloadShape withUnknownShare(double share) {
        return new WorkloadShape(operations, processes, keys, values, readShare, putWeight, deleteWeight,
                appendWeight, casWeight, share, concurrency);
    }

    public WorkloadShape withMix(double reads, int put, int delete, int append, int cas) {
        return new WorkloadShape(operations, processes, keys, values, reads, put, delete, append, cas,
                unknownShare, concurrency);
    }

    public WorkloadShape withConcurrency(int c) {
        return new WorkloadShape(operations, processes, keys, values, readShare, putWeight, deleteWeight,
                appendWeight, casWeight, unknownShare, c);
    }
}
