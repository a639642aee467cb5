package kvstore.node.server;

import kvstore.core.MessageCodec;

import kvstore.node.http.HttpConnection;
import kvstore.node.http.HttpRequests;
import kvstore.node.http.HttpResponseReader;

import java.io.BufferedInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
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
    /** How often the reader wakes up, with no answer to read, to look for a stalled peer. */
    static final int WAKE_UP_MILLIS = 1000;
    /** How long a TLS handshake may wait for each of the peer's messages (a loaded machine is slow the first time). */
    private static final int HANDSHAKE_MILLIS = 3000;
    /** A peer answers a batch with a few bytes; anything longer is not a peer's answer. */
    private static final int MAX_ANSWER = 64 * 1024;

    private final String peer;
    private final String address;
    private final String returnAddress;
    private final Socket tcp;
    private final Socket socket; // what is read and written: tcp itself, or TLS over it
    private final OutputStream out;
    private final Semaphore window = new Semaphore(IN_FLIGHT);
    private final Queue<Long> unanswered = new ConcurrentLinkedQueue<>(); // when each unanswered batch was sent
    private final Map<String, String> headers;
    private volatile boolean broken;
    private long lastSent = System.nanoTime();

    /**
     * @param self          this node's id, which names the sender of every batch
     * @param returnAddress where this node listens (null: not known), so that a node that knows no view can answer
     * @param tls           how to connect over TLS, or null for plain TCP
     */
    PeerConnection(String peer, String address, String source, javax.net.ssl.SSLContext tls, String token,
                   String self, String returnAddress) throws IOException {
        this.peer = peer;
        this.address = address;
        this.returnAddress = returnAddress;
        tcp = new Socket();
        Socket s = tcp;
        try {
            tcp.setTcpNoDelay(true);
            if (source != null) {
                tcp.bind(new InetSocketAddress(InetAddress.getByName(source), 0));
            }
            InetSocketAddress target = HttpConnection.socketAddress(address);
            tcp.connect(target, 500);
            if (tls != null) {
                tcp.setSoTimeout(HANDSHAKE_MILLIS);
                s = HttpConnection.overTls(tls, tcp, target);
            }
            tcp.setSoTimeout(WAKE_UP_MILLIS);
            out = s.getOutputStream();
        } catch (IOException | RuntimeException e) {
            tcp.close();
            throw e;
        }
        socket = s;
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Content-Type", MessageCodec.MEDIA_TYPE);
        headers.put(MessagesEndpoint.FROM_NODE, self);
        if (returnAddress != null) {
            headers.put(MessagesEndpoint.RETURN_ADDRESS, returnAddress);
        }
        if (token != null) {
            headers.put(MessagesEndpoint.TOKEN, token);
        }
        this.headers = Collections.unmodifiableMap(headers);
        HttpResponseReader answers = new HttpResponseReader(
                new BufferedInputStream(new StallAwareInput(socket.getInputStream()), 8192), MAX_ANSWER);
        Thread.ofPlatform().daemon().name("from-node-" + peer).start(() -> readAnswers(answers)); // see Peers.Link
    }

    String address() {
        return address;
    }

    /** Where this connection tells the peer this node listens (null: it did not know when it connected). */
    String returnAddress() {
        return returnAddress;
    }

    /** Whether this connection should not be used again: it broke, or it sat idle long enough to be closed. */
    boolean isStale() {
        return broken || System.nanoTime() - lastSent > IDLE_NANOS;
    }

    /** Writes one batch; blocks while {@link #IN_FLIGHT} batches are unanswered, and fails on a stalled peer. */
    void send(byte[] body) throws IOException, InterruptedException {
        byte[] request = HttpRequests.encode("POST", MessagesEndpoint.PATH, address, headers, body);
        if (!window.tryAcquire(STALLED_NANOS, java.util.concurrent.TimeUnit.NANOSECONDS)) {
            close();
            throw new IOException("node " + peer + " has answered nothing for " + STALLED_NANOS / 1_000_000_000
                    + " s");
        }
        if (broken) {
            throw new IOException("the connection to node " + peer + " broke");
        }
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
    private void readAnswers(HttpResponseReader answers) {
        try {
            while (!broken) {
                HttpResponseReader.Response answer = answers.read();
                if (!answer.success()) {
                    LOG.log(System.Logger.Level.WARNING, "node {0} refused a batch: {1} {2}", peer,
                            answer.status(), answer.text());
                }
                unanswered.poll();
                window.release();
                if (answer.close()) {
                    break;
                }
            }
        } catch (IOException | RuntimeException e) {
            // the peer closed the connection, stalled, or sent something we cannot read: start afresh next time
        } finally {
            close(); // whatever ended the reader, a sender must not wait for answers that will never come
        }
    }

    /**
     * The socket's input, read with a short timeout so that the reader can look for a stalled peer: a read that
     * times out consumes nothing, so it is simply tried again, unless the oldest unanswered batch has waited too
     * long. Below the buffer, so that a timeout never cuts a body the reader is in the middle of.
     */
    private final class StallAwareInput extends FilterInputStream {
        StallAwareInput(InputStream in) {
            super(in);
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            while (true) {
                try {
                    return in.read(b, off, len);
                } catch (SocketTimeoutException e) {
                    Long oldest = unanswered.peek();
                    if (broken || oldest != null && System.nanoTime() - oldest > STALLED_NANOS) {
                        throw new IOException("node " + peer + " stalled");
                    }
                }
            }
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }
    }

    @Override
    public void close() {
        broken = true;
        window.release(IN_FLIGHT); // wake a sender waiting for a slot: it will see the connection is broken
        try {
            // The TCP socket, not the TLS one: closing TLS writes a close_notify under the lock a writer blocked on a
            // full buffer holds, so it would block too. Closing TCP frees that writer at once.
            tcp.close();
        } catch (IOException e) {
            // closing anyway
        }
    }
}
