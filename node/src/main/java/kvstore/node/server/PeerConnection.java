package kvstore.node.server;

import kvstore.core.MessageCodec;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;

/**
 * One persistent HTTP/1.1 connection to a peer's {@code /internal/messages}, pipelined: batches are written one
 * after another without waiting for the previous answer (up to {@link #IN_FLIGHT}), and a reader thread consumes
 * the 202s. Node-to-node messages are one-way, so nothing waits for those answers; waiting for each would put a
 * full round trip between consecutive batches. Not thread-safe: one {@link Peers} link writes to it.
 *
 * <p>A peer that stops answering (a paused process keeps its socket open, and its kernel keeps accepting bytes for
 * a while) is given up after {@link #STALLED_NANOS}: the reader closes the socket, which also frees a writer
 * blocked on a full TCP buffer, and the link opens a fresh connection next time.
 */
final class PeerConnection implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(PeerConnection.class.getName());
    private static final int IN_FLIGHT = 64;
    private static final long STALLED_NANOS = 5_000_000_000L;
    /** Servers close idle connections; one idle this long is replaced rather than trusted with a batch. */
    private static final long IDLE_NANOS = 10_000_000_000L;

    private final String peer;
    private final String address;
    private final Socket socket;
    private final OutputStream out;
    private final Semaphore window = new Semaphore(IN_FLIGHT);
    private final Queue<Long> unanswered = new ConcurrentLinkedQueue<>(); // when each unanswered batch was sent
    private final byte[] requestHead;
    private volatile boolean broken;
    private long lastSent = System.nanoTime();

    /**
     * @param self          this node's id, which names the sender of every batch
     * @param returnAddress where this node listens (null: not known), so that a node that knows no view can answer
     */
    PeerConnection(String peer, String address, String source, String token, String self, String returnAddress)
            throws IOException {
        this.peer = peer;
        this.address = address;
        int colon = address.lastIndexOf(':');
        socket = new Socket();
        try {
            socket.setTcpNoDelay(true);
            if (source != null) {
                socket.bind(new InetSocketAddress(InetAddress.getByName(source), 0));
            }
            socket.connect(new InetSocketAddress(address.substring(0, colon),
                    Integer.parseInt(address.substring(colon + 1))), 500);
            socket.setSoTimeout(1000); // the reader wakes up every second to look for a stalled peer
            out = socket.getOutputStream();
        } catch (IOException | RuntimeException e) {
            socket.close();
            throw e;
        }
        requestHead = ("POST " + MessagesEndpoint.PATH + " HTTP/1.1\r\nHost: " + address
                + "\r\nContent-Type: " + MessageCodec.MEDIA_TYPE + "\r\n"
                + MessagesEndpoint.FROM_NODE + ": " + self + "\r\n"
                + (returnAddress == null ? "" : MessagesEndpoint.RETURN_ADDRESS + ": " + returnAddress + "\r\n")
                + (token == null ? "" : MessagesEndpoint.TOKEN + ": " + token + "\r\n")
                + "Content-Length: ").getBytes(StandardCharsets.US_ASCII);
        InputStream in = new BufferedInputStream(socket.getInputStream(), 8192);
        Thread.ofVirtual().name("from-node-" + peer).start(() -> readAnswers(in));
    }

    String address() {
        return address;
    }

    /** Whether this connection should not be used again: it broke, or it sat idle long enough to be closed. */
    boolean isStale() {
        return broken || System.nanoTime() - lastSent > IDLE_NANOS;
    }

    /** Writes one batch; blocks while {@link #IN_FLIGHT} batches are unanswered, and fails on a stalled peer. */
    void send(byte[] body) throws IOException, InterruptedException {
        if (!window.tryAcquire(STALLED_NANOS, java.util.concurrent.TimeUnit.NANOSECONDS)) {
            close();
            throw new IOException("node " + peer + " has answered nothing for " + STALLED_NANOS / 1_000_000_000
                    + " s");
        }
        if (broken) {
            throw new IOException("the connection to node " + peer + " broke");
        }
        byte[] length = (body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
        byte[] request = new byte[requestHead.length + length.length + body.length];
        System.arraycopy(requestHead, 0, request, 0, requestHead.length);
        System.arraycopy(length, 0, request, requestHead.length, length.length);
        System.arraycopy(body, 0, request, requestHead.length + length.length, body.length);
        lastSent = System.nanoTime();
        unanswered.add(lastSent);
        try {
            out.write(request);
            out.flush();
        } catch (IOException e) {
            close();
            throw e;
        }
    }

    /** Consumes the answers: a 202 frees a slot of the window; anything else is logged (the batch is lost). */
    private void readAnswers(InputStream in) {
        try {
            while (!broken) {
                String status = line(in);
                long length = 0;
                for (String header = line(in); !header.isEmpty(); header = line(in)) {
                    int colon = header.indexOf(':');
                    if (colon > 0 && header.substring(0, colon).trim().equalsIgnoreCase("Content-Length")) {
                        length = Long.parseLong(header.substring(colon + 1).trim());
                    }
                }
                byte[] body = new byte[(int) length];
                for (int i = 0; i < body.length; i++) {
                    body[i] = (byte) read(in);
                }
                if (!status.startsWith("HTTP/1.1 2")) {
                    LOG.log(System.Logger.Level.WARNING, "node {0} refused a batch: {1} {2}", peer, status,
                            new String(body, StandardCharsets.UTF_8));
                }
                unanswered.poll();
                window.release();
            }
        } catch (IOException | RuntimeException e) {
            // the peer closed the connection, stalled, or sent something we cannot read: start afresh next time
        } finally {
            close(); // whatever ended the reader, a sender must not wait for answers that will never come
        }
    }

    /**
     * One byte of an answer. A read that times out leaves the stream intact (nothing is consumed), so it is
     * simply tried again, unless the oldest unanswered batch has waited too long: then the peer is stalled.
     */
    private int read(InputStream in) throws IOException {
        while (true) {
            try {
                int b = in.read();
                if (b < 0) {
                    throw new IOException("connection closed");
                }
                return b;
            } catch (SocketTimeoutException e) {
                Long oldest = unanswered.peek();
                if (broken || oldest != null && System.nanoTime() - oldest > STALLED_NANOS) {
                    throw new IOException("node " + peer + " stalled");
                }
            }
        }
    }

    private String line(InputStream in) throws IOException {
        StringBuilder s = new StringBuilder(64);
        for (int b = read(in); b != '\n'; b = read(in)) {
            if (b != '\r') {
                s.append((char) b);
            }
        }
        return s.toString();
    }

    @Override
    public void close() {
        broken = true;
        window.release(IN_FLIGHT); // wake a sender waiting for a slot: it will see the connection is broken
        try {
            socket.close(); // also frees a writer blocked on a full TCP buffer
        } catch (IOException e) {
            // closing anyway
        }
    }
}
