package kvstore.node.server;

import java.util.concurrent.Semaphore;

/**
 * How a node shares the carrier threads its virtual threads run on. Helidon serves every request on a virtual
 * thread, and a virtual thread is not preempted: a request that computes for long (a whole-store read generating
 * hundreds of megabytes) holds its carrier meanwhile, and the node's own traffic (heartbeats and acknowledgements
 * received, answers) waits for a free one. Two rules keep one free:
 * <ul>
 *   <li>more carriers than cores ({@link #preferred}), so that the operating system shares the cores among them;
 *   <li>at most half of them generate whole-store answers at once ({@link #streams}); the others wait for a turn
 *       unmounted, holding no carrier. A read sends what it generated off its turn: a client slow to take it
 *       holds none.
 * </ul>
 * Not many more than that: idle carriers are woken to take each virtual thread that becomes ready and park again,
 * and under 64 writers 16 carriers on two cores cost 7.4 context switches per write against 5.2 with four, and
 * more CPU per write (docs/performance.md, "Carrier threads and garbage").
 */
public final class Carriers {
    /** The JDK's setting: how many carriers run virtual threads. Read once, when the first virtual thread starts. */
    public static final String PARALLELISM = "jdk.virtualThreadScheduler.parallelism";

    private Carriers() {
    }

    /** The carriers a node runs on unless told otherwise: twice the cores, and at least four. */
    public static int preferred(int cores) {
        return Math.max(4, 2 * cores);
    }

    /** The carriers this process runs virtual threads on: the JDK's setting when given, else its default, the cores. */
    static int current() {
        Integer set = Integer.getInteger(PARALLELISM);
        return set != null && set > 0 ? set : Runtime.getRuntime().availableProcessors();
    }

    /**
     * The turns to generate whole-store answers: half the carriers. Counted on the first streamed read, once the
     * carriers are set, not when this class is loaded: NodeMain calls {@link #preferred} before it sets them.
     */
    static Semaphore streams() {
        return Turns.STREAMS;
    }

    private static final class Turns {
        static final Semaphore STREAMS = new Semaphore(streamPermits(current()), true);
    }

    /** How many whole-store answers may be generated at once on {@code carriers}: half, and at least one. */
    static int streamPermits(int carriers) {
        return Math.max(1, carriers / 2);
    }
}
