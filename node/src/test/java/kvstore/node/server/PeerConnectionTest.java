package kvstore.node.server;

import org.junit.jupiter.api.Test;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PeerConnectionTest {
    /** Reads one request of the connection: its head, then Content-Length bytes. */
    private static byte[] readRequest(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("the client closed the connection");
            }
            head.append((char) b);
        }
        java.util.regex.Matcher length = java.util.regex.Pattern.compile("Content-Length: (\\d+)").matcher(head);
        length.find();
        return in.readNBytes(Integer.parseInt(length.group(1)));
    }

    /**
     * The reader wakes up every second to look for a stalled peer; a wake-up in the middle of an answer's body
     * must not cut it (the timeout sits below the buffer), or the connection would break although the peer is fine.
     */
    @Test
    void anAnswerSlowerThanTheReadersWakeUpsKeepsTheConnection() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            CountDownLatch answered = new CountDownLatch(1);
            CompletableFuture<byte[]> third = CompletableFuture.supplyAsync(() -> {
                try (Socket s = server.accept()) {
                    InputStream in = new BufferedInputStream(s.getInputStream());
                    OutputStream out = s.getOutputStream();
                    readRequest(in);
                    readRequest(in);
                    out.write("HTTP/1.1 202 Accepted\r\nContent-Length: 12\r\n\r\n{\"acc".getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                    Thread.sleep(2L * PeerConnection.WAKE_UP_MILLIS); // past a wake-up, in the middle of the body
                    out.write("epted\"}".getBytes(StandardCharsets.US_ASCII));
                    out.write("HTTP/1.1 202 Accepted\r\nContent-Length: 2\r\n\r\n{}".getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                    answered.countDown();
                    return readRequest(in); // the same connection carries the next batch
                } catch (IOException | InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            });
            String address = server.getInetAddress().getHostAddress() + ":" + server.getLocalPort();
            try (PeerConnection c = new PeerConnection("2", address, null, null, null, "1", null)) {
                c.send(new byte[]{1});
                c.send(new byte[]{2});
                // A reader cut by its wake-up would have closed the connection before the body's second half was
                // written, and this send would fail.
                assertTrue(answered.await(10, TimeUnit.SECONDS));
                c.send(new byte[]{3});
                assertArrayEquals(new byte[]{3}, third.get(10, TimeUnit.SECONDS));
            }
        }
    }
}
