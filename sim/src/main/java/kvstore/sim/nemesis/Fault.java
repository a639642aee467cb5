package kvstore.sim.nemesis;

import java.util.List;

/** One scheduled fault. Times are virtual microseconds from the start of the run. */
public sealed interface Fault {
    long at();

    /** Cut the network: nodes in different groups cannot talk; if {@code oneWay}, only from the first group. */
    record Partition(long at, List<List<String>> groups, boolean oneWay, long healAt) implements Fault {
    }

    /** Kill a node (its memory is lost); it restarts empty at {@code restartAt} and must rejoin through a view. */
    record Crash(long at, String node, long restartAt) implements Fault {
    }

    /** The operator moves the primary to another synced member, while the old one keeps running. */
    record Failover(long at) implements Fault {
    }
}
