package kvstore.jepsen;

import kvstore.sim.nemesis.Fault;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Injects faults into the real processes, one at a time, and has the operator react to each the way an operator
 * would: drop the faulty node from the view (promoting a backup if it was the primary), and once the fault is
 * healed, add the node back as a backup. Every step goes on the timeline.
 */
final class Nemesis {
    /**
     * What this nemesis does, in the simulator's vocabulary ({@link Fault.Kind}): a kind of fault, done to the
     * primary or to a random member. Named on the command line as the kind, with "-primary" for the primary.
     */
    enum Kind {
        /** kill -9 the primary; restart it empty (--join) when the fault ends. */
        CRASH_PRIMARY(Fault.Kind.CRASH, true),
        /** SIGSTOP a random node; SIGCONT when the fault ends. */
        PAUSE(Fault.Kind.PAUSE, false),
        /** Cut a random node off from the other nodes (both ways) through the proxies. */
        PARTITION(Fault.Kind.PARTITION, false),
        /** Cut the primary off from the other nodes. */
        PARTITION_PRIMARY(Fault.Kind.PARTITION, true),
        /**
         * kill -9 every node at the same instant; restart them all with their data directories when the fault
         * ends (only with --data-dir and --controller: nothing else brings such a cluster back by itself).
         */
        CRASH_ALL(Fault.Kind.CRASH_ALL, false);

        /** What Jepsen and earlier versions of this harness call the crash of the primary. */
        private static final String KILL = "kill";

        final Fault.Kind fault;
        final boolean primary;

        Kind(Fault.Kind fault, boolean primary) {
            this.fault = fault;
            this.primary = primary;
        }

        String cliName() {
            return fault == Fault.Kind.CRASH_ALL ? fault.cliName() : fault.cliName() + (primary ? "-primary" : "");
        }

        /** Kinds in the order given (the nemesis takes them in turn), each once. */
        static List<Kind> parse(String list) {
            return Fault.Kind.parseNames(list, List.of(values()), Kind::byName, name -> "unknown nemesis '" + name
                    + "': this harness has " + names() + " (" + KILL + " is crash-primary), all and none; the "
                    + "simulator's " + simulatedOnly() + " have no nemesis here");
        }

        private static Kind byName(String name) {
            if (name.equals(KILL)) {
                return CRASH_PRIMARY;
            }
            return java.util.Arrays.stream(values()).filter(v -> v.cliName().equals(name)).findFirst().orElse(null);
        }

        static String names() {
            return java.util.Arrays.stream(values()).map(Kind::cliName)
                    .collect(java.util.stream.Collectors.joining(", "));
        }

        private static String simulatedOnly() {
            java.util.Set<Fault.Kind> only = java.util.EnumSet.allOf(Fault.Kind.class);
            for (Kind k : values()) {
                only.remove(k.fault);
            }
            return only.stream().map(Fault.Kind::cliName).collect(java.util.stream.Collectors.joining(", "));
        }
    }

    /** Which directed links between nodes are cut; the proxies ask it about every connection. */
    static final class Links {
        private record Link(long from, long to) {
        }

        private final Set<Link> cut = ConcurrentHashMap.newKeySet();

        boolean isCut(long from, long to) {
            return cut.contains(new Link(from, to));
        }

        void isolate(long node, Iterable<Long> others) {
            for (long other : others) {
                if (other != node) {
                    cut.add(new Link(node, other));
                    cut.add(new Link(other, node));
                }
            }
        }

        void healAll() {
            cut.clear();
        }
    }

    private final RunSettings settings;
    private final Map<Long, NodeProcess> nodes;
    private final List<PartitionProxy> proxies;
    private final Links links;
    private final Failover operator;
    private final List<Long> primaryKills = new java.util.concurrent.CopyOnWriteArrayList<>(); // nanoTime of each
    private final NemesisLog nemesisLog;
    private final NodeApi api;
    private final Random random;
    private final List<Kind> kinds;
    private final Duration detection = Duration.ofMillis(300); // how long the operator takes to react
    private Kind current; // the fault being injected, for the log's fault intervals

    Nemesis(RunSettings settings, Map<Long, NodeProcess> nodes, List<PartitionProxy> proxies, Links links,
            Failover operator, NemesisLog nemesisLog, NodeApi api) {
        this.settings = settings;
        this.nodes = nodes;
        this.proxies = proxies;
        this.links = links;
        this.operator = operator;
        this.nemesisLog = nemesisLog;
        this.api = api;
        this.random = new Random(settings.seed() ^ 0x4E454D45L);
        this.kinds = new ArrayList<>(settings.nemeses());
    }

    /** Injects faults until {@code deadlineNanos}; every fault is healed and its node back in the view on return. */
    void run(long deadlineNanos) throws IOException, InterruptedException {
        if (kinds.isEmpty()) {
            return;
        }
        int next = 0;
        while (true) {
            Thread.sleep(settings.faultEvery().toMillis());
            long needed = settings.faultLength().toNanos() + detection.toNanos();
            boolean everyKindRan = next >= kinds.size(); // each kind at least once, however slow the machine
            if (everyKindRan && System.nanoTime() + needed > deadlineNanos) {
                return;
            }
            if (operator.troubled()) {
                nemesisLog.record("nemesis stops: the cluster did not recover from the last fault");
                return;
            }
            Kind kind = kinds.get(next++ % kinds.size()); // in turn, so a short run sees every kind
            current = kind;
            switch (kind) {
                case CRASH_PRIMARY -> kill(operator.primary());
                case PAUSE -> pause(randomMember());
                case PARTITION -> partition(randomMember());
                case PARTITION_PRIMARY -> partition(operator.primary());
                case CRASH_ALL -> killAll();
            }
        }
    }

    private long randomMember() {
        List<Long> members = operator.members();
        return members.get(random.nextInt(members.size()));
    }

    private String role(long node) {
        return node == operator.primary() ? " (primary)" : " (backup)";
    }

    /** One step of a fault: starting it, or healing it. */
    private interface Step {
        void run() throws IOException, InterruptedException;
    }

    /**
     * The shape of every fault: start it, give the operator time to notice and drop the node from the view, let
     * the fault last, heal it, and have the operator add the node back as a backup.
     */
    private void inject(long node, String started, Step start, Step heal, String healed)
            throws IOException, InterruptedException {
        nemesisLog.faultStarted(current.cliName(), "nemesis: " + started);
        start.run();
        Thread.sleep(detection.toMillis());
        operator.remove(node);
        Thread.sleep(settings.faultLength().toMillis());
        heal.run();
        nemesisLog.faultHealed("nemesis: " + healed);
        operator.addBack(node);
    }

    /** When each kill -9 of the primary happened ({@link System#nanoTime}): failover times are measured from them. */
    List<Long> primaryKills() {
        return List.copyOf(primaryKills);
    }

    private void kill(long node) throws IOException, InterruptedException {
        boolean wasPrimary = node == operator.primary();
        inject(node, "kill -9 node " + node + role(node), () -> {
            nodes.get(node).kill();
            if (wasPrimary) {
                primaryKills.add(System.nanoTime());
            }
        }, () -> {
            nodes.get(node).start(true);
            nodes.get(node).awaitAnswering(api, Duration.ofSeconds(30));
        }, settings.dataDirs() ? "node " + node + " restarted with its data directory and --join"
                : "node " + node + " restarted, empty, with --join");
    }

    /**
     * kill -9 of every node in the same instant (a power cut), then, after the fault's length, every node started
     * again with its data directory: the controller must bring the cluster back by itself, with every
     * acknowledged write.
     */
    private void killAll() throws IOException, InterruptedException {
        nemesisLog.faultStarted(Kind.CRASH_ALL.cliName(), "nemesis: kill -9 every node at once " + nodes.keySet());
        for (NodeProcess n : nodes.values()) {
            n.killNow();
        }
        for (NodeProcess n : nodes.values()) {
            n.awaitDeath();
        }
        primaryKills.add(System.nanoTime());
        Thread.sleep(settings.faultLength().toMillis());
        for (NodeProcess n : nodes.values()) {
            n.start(true);
        }
        for (NodeProcess n : nodes.values()) {
            n.awaitAnswering(api, Duration.ofSeconds(30));
        }
        nemesisLog.faultHealed("nemesis: every node restarted with its data directory");
        operator.recoverAll();
    }

    private void pause(long node) throws IOException, InterruptedException {
        inject(node, "SIGSTOP node " + node + role(node), () -> nodes.get(node).pause(),
                () -> nodes.get(node).resume(), "SIGCONT node " + node);
    }

    private void partition(long node) throws IOException, InterruptedException {
        inject(node, "partition node " + node + role(node) + " from the other nodes", () -> {
            links.isolate(node, nodes.keySet());
            proxies.forEach(PartitionProxy::enforce);
        }, links::healAll, "partition healed");
    }
}
