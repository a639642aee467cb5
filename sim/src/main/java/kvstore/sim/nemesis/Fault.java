package kvstore.sim.nemesis;

import java.util.List;

/** One scheduled fault. Times are virtual microseconds from the start of the run. */
public sealed interface Fault {
    long at();

    /**
     * Cut the network into groups: nodes in different groups cannot talk. If {@code oneWay}, only messages from
     * an earlier group to a later one are cut (the other direction still flows).
     */
    record Partition(long at, List<List<String>> groups, boolean oneWay, long healAt) implements Fault {
    }

    /** Kill a node (its memory is lost); it restarts empty at {@code restartAt} and must rejoin through a view. */
    record Crash(long at, String node, long restartAt) implements Fault {
    }

    /** The operator moves the primary to another synced member, while the old one keeps running. */
    record Failover(long at) implements Fault {
    }
}
