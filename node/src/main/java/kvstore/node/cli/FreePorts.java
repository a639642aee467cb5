package kvstore.node.cli;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Ports for node processes that tests and harnesses start: separate processes need fixed ports, chosen free on
 * loopback. Chosen below Linux's ephemeral range (32768 and up): a port the kernel hands out with {@code bind(0)}
 * is also what it gives the next outgoing connection, so a node that starts (or restarts) a moment later could
 * find its port taken by some client socket.
 */
public final class FreePorts {
    private static final int LOWEST = 10_000;
    private static final int BELOW_EPHEMERAL = 32_768;
    private static final SplittableRandom RANDOM = new SplittableRandom();

    private FreePorts() {
    }

    /** A base port with {@code n} consecutive ports from it free now. */
    public static synchronized int consecutive(int n) throws IOException {
        for (int attempt = 0; attempt < 100; attempt++) {
            int base = RANDOM.nextInt(LOWEST, BELOW_EPHEMERAL - n);
            List<ServerSocket> held = new ArrayList<>();
            try {
                for (int i = 0; i < n; i++) {
                    held.add(new ServerSocket(base + i, 50, InetAddress.getLoopbackAddress()));
                }
                return base;
            } catch (IOException taken) {
                // try another base
            } finally {
                for (ServerSocket s : held) {
                    s.close();
                }
            }
        }
        throw new IOException("no " + n + " consecutive free ports between " + LOWEST + " and " + BELOW_EPHEMERAL);
    }

    /** One free port. */
    public static int one() throws IOException {
        return consecutive(1);
    }
}
