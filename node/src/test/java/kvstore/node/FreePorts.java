package kvstore.node;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;

/** Ports for node processes in tests: separate processes need fixed ports, chosen free on loopback. */
public final class FreePorts {
    private FreePorts() {
    }

    /** A base port with {@code n} consecutive free ports from it. */
    public static int consecutive(int n) throws IOException {
        for (int attempt = 0; attempt < 50; attempt++) {
            int base;
            try (ServerSocket s = new ServerSocket(0)) {
                base = s.getLocalPort();
            }
            if (base + n > 65535) {
                continue;
            }
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
        throw new IOException("no " + n + " consecutive free ports");
    }
}
