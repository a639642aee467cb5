package kvstore.jepsen;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * What one Jepsen-style run does.
 *
 * @param nodes       how many node processes
 * @param duration    how long the clients run (faults stop a little before, so the end is calm)
 * @param clients     concurrent client threads
 * @param keys        how many keys the workload spreads over (few keys: more contention, more to check)
 * @param nemeses     which faults to inject, taken in turn in this order
 * @param faultEvery  the pause between one fault's end and the next fault's start
 * @param faultLength how long a fault lasts before it is healed
 * @param seed        drives every random choice of the workload and the nemesis (timing is real, so a run is not
 *                    replayable event for event as in the simulator; the seed fixes what is attempted)
 * @param out         the report folder
 * @param nodeJar     node/target/node.jar (its libraries beside it in lib/)
 * @param plantedBug  a protocol bug planted into every node (kvstore.core.Bug), or null
 * @param controller  failover by the project's controller (it detects faults itself), not the harness's operator
 * @param dataDirs    each node keeps its state in its own data directory under {@code out/data}, and restarts
 *                    with it; otherwise nodes keep nothing on disk and restart empty
 * @param tls         every process (nodes, controller, clients) talks TLS only, with certificates from a throw-away
 *                    authority made for the run (its files under {@code out/tls})
 */
record RunSettings(int nodes, Duration duration, int clients, int keys, List<Nemesis.Kind> nemeses,
                   Duration faultEvery, Duration faultLength, long seed, Path out, Path nodeJar, String plantedBug,
                   boolean controller, boolean dataDirs, boolean tls, ClientBinding binding) {

    /** How clients pick the node they send to. */
    enum ClientBinding {
        /**
         * Jepsen's way: each client sends to one node, client c to node (c - 1) mod n, so a paused or cut-off node
         * slows only its own clients.
         */
        NODE,
        /**
         * The client library as an application uses it: to the primary of the newest view, retrying refusals with
         * the same Idempotency-Key, found again after every failure.
         */
        LIBRARY
    }

    /** Where node {@code id} keeps its state, when nodes keep it on disk. */
    Path dataDir(long id) {
        return out.resolve("data").resolve("node-" + id);
    }

    /** Where the run's certificates are written, when it runs over TLS. */
    Path tlsDir() {
        return out.resolve("tls");
    }

}
