package kvstore.sim.nemesis;

import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/** One scheduled fault. Times are virtual microseconds from the start of the run. */
public sealed interface Fault {
    long at();

    /**
     * The project's one vocabulary of faults: the kinds a simulated schedule draws from (a run may enable only
     * some: swarm testing), and the names {@code ./kv sim-sweep --faults} and the real-process nemesis
     * ({@code ./kv jepsen --nemesis}) take. The real processes implement the kinds that have a real counterpart.
     */
    enum Kind {
        /** Cut the nodes (and controllers) into groups that cannot talk, both ways or one way. */
        PARTITION,
        /** Kill a node (kill -9): its memory is gone, and it restarts empty or from its disk. */
        CRASH,
        /** Ask whoever decides views to move the primary (a planned failover). */
        FAILOVER,
        /** Cut single directed links (a bridge, a one-way loss). */
        CUT_LINKS,
        /** Kill a failover controller; it restarts knowing nothing. */
        CONTROLLER_CRASH,
        /** Stop a node's process (SIGSTOP) and let it run again later. */
        PAUSE,
        /**
         * Kill every node at the same instant (a power cut, a bad deploy) and restart them all from their disks;
         * only where the nodes keep their state on disk (elsewhere it would lose everything by design).
         */
        CRASH_ALL;

        /** The name on the command line: {@code cut-links} for CUT_LINKS. */
        public String cliName() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }

        /** A comma-separated list of names, "all" or "none", as a set. */
        public static Set<Kind> parse(String list) {
            Set<Kind> kinds = EnumSet.noneOf(Kind.class);
            kinds.addAll(parseNames(list, List.of(values()),
                    n -> Arrays.stream(values()).filter(k -> k.cliName().equals(n)).findFirst().orElse(null),
                    n -> "unknown fault '" + n + "' (" + names() + ", all, none)"));
            return kinds;
        }

        /**
         * The command lines' list of choices: names separated by commas, "all" for every choice, "none" for no
         * choice; in the order given, each once.
         *
         * @param byName     the choice a lowercase name stands for, null if none
         * @param whyUnknown the error for a name that stands for nothing
         */
        public static <T> List<T> parseNames(String list, List<T> all, java.util.function.Function<String, T> byName,
                                             java.util.function.Function<String, String> whyUnknown) {
            java.util.LinkedHashSet<T> chosen = new java.util.LinkedHashSet<>();
            for (String name : list.split(",")) {
                String n = name.trim().toLowerCase(Locale.ROOT);
                if (n.equals("all")) {
                    chosen.addAll(all);
                } else if (!n.equals("none")) {
                    T choice = byName.apply(n);
                    if (choice == null) {
                        throw new IllegalArgumentException(whyUnknown.apply(name.trim()));
                    }
                    chosen.add(choice);
                }
            }
            return List.copyOf(chosen);
        }

        public static String names() {
            return Arrays.stream(values()).map(Kind::cliName).collect(Collectors.joining(", "));
        }
    }

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

    /**
     * Kill a node (its memory is lost); it restarts at {@code restartAt}, empty or from its disk, and must rejoin
     * through a view.
     */
    record Crash(long at, String node, long restartAt) implements Fault {
    }

    /**
     * Stop a node's process without killing it (SIGSTOP, a long GC pause, a stalled VM) until {@code resumeAt}: it
     * keeps its memory and its connections, so peers learn nothing from refused connections; it takes no ticks and
     * reads nothing, and what is sent to it meanwhile arrives, in order, when it resumes. A deposed primary waking
     * up with a backlog of its clients' requests is the case the epochs must fence.
     */
    record Pause(long at, String node, long resumeAt) implements Fault {
    }

    /** Kill every node at once; they all restart from their disks at {@code restartAt}. */
    record CrashAll(long at, long restartAt) implements Fault {
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
