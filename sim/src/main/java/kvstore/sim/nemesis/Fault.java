package kvstore.sim.nemesis;

import java.util.List;

/** One scheduled fault. Times are virtual microseconds from the start of the run. */
public sealed interface Fault {
    long at();

    /** The kinds of fault a schedule draws from (a run may enable only some: swarm testing). */
    enum Kind { PARTITION, CRASH, FAILOVER, CUT_LINKS, CONTROLLER_CRASH }

    /**
     * Cut the network into groups: nodes (and controllers) in different groups cannot talk. If {@code oneWay}, only messages from
     * an earlier group to a later one are cut (the other direction still flows).
     */
    record Partition(long at, List<List<String>> groups, boolean oneWay, long healAt) implements Fault {
    }

    /**
     * Cut single directed links, nodes' and controllers' alike: the partitions no grouping can express, such as a
     * controller that reaches B and C but not A while A still reaches B (Jepsen's bridge).
     */
    record CutLinks(long at, List<Link> links, long healAt) implements Fault {
    }

    /** One direction between two endpoints of the run, by name. */
    record Link(String from, String to) {
        @Override
        public String toString() {
            return from + ">" + to;
        }
    }

    /** Kill a node (its memory is lost); it restarts empty at {@code restartAt} and must rejoin through a view. */
    record Crash(long at, String node, long restartAt) implements Fault {
    }

    /** Kill whichever node is the primary at that moment; it restarts empty at {@code restartAt}. */
    record CrashPrimary(long at, long restartAt) implements Fault {
    }

    /** A controller is asked to move the primary to another node that holds everything (a planned failover). */
    record Failover(long at) implements Fault {
    }

    /**
     * Kill a controller; it restarts at {@code restartAt} as a new life that remembers nothing (not even the
     * ballots it used).
     */
    record ControllerCrash(long at, String controller, long restartAt) implements Fault {
    }
}
