package kvstore.node.cli;

import kvstore.node.server.Carriers;
import kvstore.node.server.KvNode;
import kvstore.node.server.NodeConfig;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CountDownLatch;

/**
 * Runs one node: {@code ./kv node --id 1 [--port 9001] [--host 127.0.0.1] [--token-file FILE] [--join]
 * [--data-dir DIR] [--log-level INFO]}. The id may also come from NODE_IDENTIFIER and the token from CLUSTER_TOKEN, as
 * in the prototype's containers (never from the command line: see {@link ClusterSecret}). Stops cleanly on SIGTERM or
 * Ctrl-C.
 */
public final class NodeMain {
    static final String USAGE = """
            usage: ./kv node --id N [--port P] [--host H] [--token-file F] [--insecure] [--new-cluster | --join]
                             [--tick-ms MS] [--data-dir DIR | --in-memory] [--log-level L]
                             [--quota-bytes N] [--controller-hosts H,...] [--tls-cert F --tls-key F --tls-ca F]
              --id N         this node's id in view documents (default: $NODE_IDENTIFIER)
              --port P       port to listen on (default: 9000 + id)
              --host H       address to listen on (default: 127.0.0.1). Any address but loopback needs a
                             cluster token, or --insecure
              --token-file F the cluster token, required on internal endpoints and PUT /view, is the content of
                             file F (default: $CLUSTER_TOKEN; none). Never on the command line: ps shows it
              --insecure     listen beyond loopback without a token: anyone who can reach the node can then
                             install views and forge replication, and acknowledged writes can be lost
              --join         this node restarts or joins an existing cluster: it holds nothing yet, so it must
                             be synced as a backup before any view may make it primary. Without it, a view
                             making the empty node primary is taken only if no other member of the view has
                             ever held state (a brand-new cluster); otherwise it is refused (409).
                             With it, or without --new-cluster, the node does not vote on views until a
                             controller restores it (it may have forgotten a promise).
              --new-cluster  this node is one of a brand-new cluster's: it may lead while empty and votes on
                             views from the start (what ./kv controller needs; ./kv devenv starts nodes so)
              --data-dir DIR keep the node's state in DIR (created if need be): a write-ahead log and snapshots,
                             fsynced before anything is acknowledged. A node restarted with its directory comes
                             back with its data and its vote, and catches up with what it missed; every node may
                             die at once and nothing acknowledged is lost. One process per directory.
              --in-memory    keep nothing on disk (the default, as the prototype's nodes): a restarted node
                             comes back empty, and if every node dies at once the data is gone
              --quota-bytes N  the most bytes of keys and values the store may hold (default: two fifths of
                             the JVM's maximum heap, -Xmx): a write that would grow it past that is refused with
                             507 and changes nothing; reads, deletes and shrinking writes go on. Give every node
                             of a cluster the same quota (the primary's decides)
              --controller-hosts H,...  the hosts (names or addresses) controllers run on: a controller's
                             messages from any other address are refused, token or not (default: loopback;
                             naming hosts replaces it, so name 127.0.0.1 too for a local controller)
              --tick-ms MS   the core's clock tick (default 10; replication times out after 100 ticks)
              --log-level L  ERROR, WARNING, INFO (default) or DEBUG
            """ + TlsOptions.USAGE + """
            For the Jepsen-style harness (./kv jepsen), not for production:
              --peer-source A     connect to other nodes from local address A (e.g. 127.0.0.12)
              --exit-with-parent PID
                                  stop when process PID ends (no node outlives a harness that was killed)
              --plant-bug NAME    run a deliberately wrong protocol variant (see kvstore.core.Bug)
            """;

    private NodeMain() {
    }

    private static kvstore.core.Bug bug(String name) {
        try {
            return kvstore.core.Bug.valueOf(name);
        } catch (IllegalArgumentException e) {
            throw new Args.UsageError("--plant-bug takes one of " + java.util.Arrays.toString(
                    kvstore.core.Bug.values()) + ", not '" + name + "'");
        }
    }

    /** Exits (through the shutdown hook, so cleanly) when the given process ends. */
    private static void exitWithParent(long pid) {
        ProcessHandle parent = ProcessHandle.of(pid).orElseThrow(
                () -> new Args.UsageError("--exit-with-parent: no process " + pid));
        parent.onExit().thenRun(() -> System.exit(0));
    }

    /**
     * Twice as many carrier threads for virtual threads as cores, unless told otherwise ({@link Carriers}). With as
     * many as cores (the JDK's default), four clients reading a 200 MB store held both carriers of this 2-core
     * machine, the heartbeats and acknowledgements the node received waited past the failure-detection time, and the
     * primary refused writes with its backups "unreachable" (docs/performance.md, "Whole-store reads").
     */
    static void shareCoresAmongVirtualThreads() {
        if (System.getProperty(Carriers.PARALLELISM) == null) {
            System.setProperty(Carriers.PARALLELISM,
                    String.valueOf(Carriers.preferred(Runtime.getRuntime().availableProcessors())));
        }
    }

    /**
     * Says why and exits with status 1 (through the shutdown hooks); halts at once if even that fails for want of
     * memory, so that a process whose core stopped never lives on answering nothing.
     */
    static void exitAfterFatal(String why) {
        try {
            System.err.println(why);
            // Not on the thread that failed (the core's loop, the storage thread), which closing the node waits for.
            new Thread(() -> System.exit(1), "exit").start();
        } catch (Throwable e) {
            Runtime.getRuntime().halt(1);
        }
    }

    public static void main(String[] argv) throws InterruptedException {
        shareCoresAmongVirtualThreads(); // before the first virtual thread: the scheduler reads it once
        KvNode node;
        try {
            Args args = new Args(argv, TlsOptions.with(Set.of("--id", "--port", "--host", "--token", "--token-file",
                    "--tick-ms", "--log-level", "--peer-source", "--exit-with-parent", "--plant-bug", "--data-dir",
                    "--quota-bytes", "--controller-hosts")),
                    Set.of("--join", "--new-cluster", "--help", "--in-memory", "--insecure"));
            if (args.has("--help")) {
                System.out.print(USAGE);
                return;
            }
            Logging.configure(args.get("--log-level", "INFO"));
            long id = args.atLeast("--id", System.getenv("NODE_IDENTIFIER"), 0);
            String host = args.get("--host", "127.0.0.1");
            String token = ClusterSecret.token(args, System.getenv());
            String warning = ClusterSecret.checkExposure(host, token, args.has("--insecure"));
            if (warning != null) {
                System.err.println("kv node: " + warning);
            }
            NodeConfig config = NodeConfig.of(id, args.port("--port", String.valueOf(9000 + id)))
                    .withHost(host)
                    .withToken(token)
                    .withTick(Duration.ofMillis(args.positive("--tick-ms", "10")))
                    .withTls(TlsOptions.from(args));
            if (args.has("--controller-hosts")) {
                config = config.withEdge(config.edge().withControllerHosts(
                        java.util.Arrays.asList(args.get("--controller-hosts", null).split(","))));
            }
            if (args.has("--quota-bytes")) {
                config = config.withStoreQuota(args.positive("--quota-bytes", null));
            }
            if (args.has("--join") && args.has("--new-cluster")) {
                throw new Args.UsageError("--join and --new-cluster contradict each other");
            }
            config = config.withStart(args.has("--join") ? NodeConfig.Start.JOIN
                    : args.has("--new-cluster") ? NodeConfig.Start.NEW_CLUSTER : NodeConfig.Start.DETECT);
            if (args.has("--data-dir") && args.has("--in-memory")) {
                throw new Args.UsageError("--data-dir and --in-memory contradict each other");
            }
            if (args.has("--data-dir")) {
                config = config.withDataDir(java.nio.file.Path.of(args.get("--data-dir", null)));
            }
            if (args.has("--peer-source")) {
                config = config.withPeerSource(args.get("--peer-source", null));
            }
            if (args.has("--plant-bug")) {
                config = config.withPlantedBugs(java.util.Set.of(bug(args.get("--plant-bug", null))));
            }
            if (args.has("--exit-with-parent")) {
                exitWithParent(args.positive("--exit-with-parent", null));
            }
            node = Starting.start(config);
        } catch (Args.UsageError | IllegalArgumentException e) {
            System.err.println("kv node: " + e.getMessage());
            System.err.print(USAGE);
            System.exit(2);
            return;
        } catch (Starting.StartFailure e) {
            System.err.println("kv node: " + e.getMessage());
            System.exit(1);
            return;
        }
        node.onDiskFailure(e -> exitAfterFatal("kv node: the data directory failed (" + e.getMessage() + "); the "
                + "node stops: start it again with the same directory, which reads back what is really on the disk"));
        node.onCoreFailure(e -> exitAfterFatal("kv node: " + e + " in the replica's core; the node stops, since its "
                + "state in memory may be half-changed: start it again (with --data-dir it comes back with what it "
                + "made durable; a larger -Xmx in KV_NODE_JAVA_OPTS, or a smaller --quota-bytes, keeps it from "
                + "recurring)"));
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            node.close();
            System.out.println("node " + node.id() + " stopped");
            stopped.countDown();
        }, "stop-node"));
        System.out.println("node " + node.id() + " listening on " + node.scheme() + "://" + node.address() + (node.dataDir() == null
                ? ", keeping nothing on disk (--data-dir DIR keeps its state)" : ", state in " + node.dataDir())
                + " (Ctrl-C stops it)");
        stopped.await();
    }
}
