package kvstore.jepsen;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongPredicate;

/**
 * A fault-injecting TCP proxy in front of one node's peer traffic. Other nodes reach this node only through it
 * (the view documents name the proxy's address), and each node connects from a loopback address of its own
 * (127.0.0.10+id), so the proxy knows who is calling and can refuse, or cut, the connections of chosen senders.
 * Chosen over network namespaces or iptables because it needs no privileges and works on any machine; the cost is
 * that it can only drop whole connections (the protocol's retransmission makes that equivalent to dropping
 * messages), not delay single packets.
 */
final class PartitionProxy implements AutoCloseable {
    private final long target;
    private final int targetPort;
    private final ServerSocket server;
    private final LongPredicate cutFrom; // is the link from this sender to the target cut?
    private final Map<Socket, Long> open = new ConcurrentHashMap<>();
    private volatile boolean closed;

    PartitionProxy(long target, int targetPort, LongPredicate cutFrom) throws IOException {
        this.target = target;
        this.targetPort = targetPort;
        this.cutFrom = cutFrom;
        this.server = new ServerSocket();
        server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        Thread.ofVirtual().name("proxy-" + target).start(this::acceptLoop);
    }

    /** The address peers use for this node. */
    String address() {
        return "127.0.0.1:" + server.getLocalPort();
    }

    /** The loopback address node {@code id} connects from. */
    static String sourceAddressOf(long id) {
        return "127.0.0." + (10 + id);
    }

    private static long senderOf(Socket s) {
        byte[] ip = s.getInetAddress().getAddress();
        return ip.length == 4 && ip[0] == 127 ? (ip[3] & 0xff) - 10 : -1;
    }

    /** Closes the live connections of senders whose link to this node is now cut. */
    void enforce() {
        open.forEach((socket, sender) -> {
            if (cutFrom.test(sender)) {
                closeQuietly(socket);
            }
        });
    }

    private void acceptLoop() {
        while (!closed) {
            Socket in;
            try {
                in = server.accept();
            } catch (IOException e) {
                return; // closed
            }
            long sender = senderOf(in);
            open.put(in, sender); // registered before the check: a cut made meanwhile is enforced on it
            if (cutFrom.test(sender)) {
                open.remove(in);
                closeQuietly(in);
                continue;
            }
            Thread.ofVirtual().start(() -> relay(in, sender));
        }
    }

    private void relay(Socket in, long sender) {
        try (Socket out = new Socket()) {
            open.put(out, sender);
            out.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), targetPort), 1000);
            if (in.isClosed()) {
                return; // cut while connecting
            }
            // Relayed writes are small and flushed one by one: with Nagle's algorithm each would wait for the
            // peer's delayed acknowledgement (tens of milliseconds a hop).
            in.setTcpNoDelay(true);
            out.setTcpNoDelay(true);
            Thread back = Thread.ofVirtual().start(() -> pump(out, in));
            pump(in, out);
            back.join();
        } catch (IOException | InterruptedException e) {
            // the target is down, or the link was cut: the sender sees a closed connection
        } finally {
            open.remove(in);
            closeQuietly(in);
            open.keySet().removeIf(Socket::isClosed);
        }
    }

    private static void pump(Socket from, Socket to) {
        byte[] buffer = new byte[16 * 1024];
        try {
            InputStream in = from.getInputStream();
            OutputStream out = to.getOutputStream();
            int n;
            while ((n = in.read(buffer)) >= 0) {
                out.write(buffer, 0, n);
                out.flush();
            }
        } catch (IOException e) {
            // one side closed or was cut
        } finally {
            closeQuietly(from);
            closeQuietly(to);
        }
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException e) {
            // already closed
        }
    }

    @Override
    public void close() {
        closed = true;
        try {
            server.close();
        } catch (IOException e) {
            // ignore
        }
        open.keySet().forEach(PartitionProxy::closeQuietly);
    }

}
