package kvstore.node.http;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.Map;

/**
 * One persistent HTTP/1.1 connection, one request at a time: write a request, read its answer. Opened on first
 * use and again after it broke or the server closed it. For the load generator and the benchmarks, where the
 * client shares two cores with the servers it measures, so it must cost next to nothing and the same for every
 * server; everything else that asks a node something uses the JDK's {@code java.net.http} client.
 */
public final class HttpConnection implements AutoCloseable {
    private static final int MAX_BODY = 64 * 1024 * 1024;

    private final String address;
    private final Duration timeout;
    private final javax.net.ssl.SSLContext tls; // null: plain TCP
    private Socket socket;
    private OutputStream out;
    private HttpResponseReader reader;

    /** @param address host:port; {@code timeout} bounds connecting and each wait for answer bytes */
    public HttpConnection(String address, Duration timeout) {
        this(address, timeout, null);
    }

    /** Over TLS with {@code tls} (null: plain TCP). */
    public HttpConnection(String address, Duration timeout, javax.net.ssl.SSLContext tls) {
        this.address = address;
        this.timeout = timeout;
        this.tls = tls;
    }

    /**
     * TLS over a connected socket, the handshake done: the server's certificate verified against the context's
     * authority and for the host connected to (as HTTPS does), this side's own certificate presented if asked.
     * Closing the returned socket closes {@code tcp}.
     */
    public static javax.net.ssl.SSLSocket overTls(javax.net.ssl.SSLContext tls, Socket tcp, InetSocketAddress target)
            throws IOException {
        javax.net.ssl.SSLSocket ssl = (javax.net.ssl.SSLSocket) tls.getSocketFactory().createSocket(tcp,
                target.getHostString(), target.getPort(), true);
        javax.net.ssl.SSLParameters parameters = ssl.getSSLParameters();
        parameters.setEndpointIdentificationAlgorithm("HTTPS");
        ssl.setSSLParameters(parameters);
        ssl.startHandshake();
        return ssl;
    }

    /** The socket address of {@code host:port} (the host may itself hold colons: an IPv6 address). */
    public static InetSocketAddress socketAddress(String address) {
        int colon = address.lastIndexOf(':');
        if (colon <= 0) {
            throw new IllegalArgumentException("'" + address + "' is not an address of the form host:port");
        }
        return new InetSocketAddress(address.substring(0, colon), Integer.parseInt(address.substring(colon + 1)));
    }

    public HttpResponseReader.Response send(String method, String path, Map<String, String> headers, byte[] body)
            throws IOException {
        byte[] request = HttpRequests.encode(method, path, address, headers, body);
        if (socket == null) {
            open();
        }
        try {
            out.write(request);
            out.flush();
            HttpResponseReader.Response response = reader.read();
            if (response.close()) {
                close();
            }
            return response;
        } catch (IOException e) {
            close();
            throw e;
        }
    }

    private void open() throws IOException {
        Socket s = new Socket();
        try {
            s.setTcpNoDelay(true);
            InetSocketAddress target = socketAddress(address);
            s.connect(target, (int) timeout.toMillis());
            s.setSoTimeout((int) timeout.toMillis());
            if (tls != null) {
                s = overTls(tls, s, target);
            }
            out = s.getOutputStream();
            reader = new HttpResponseReader(new BufferedInputStream(s.getInputStream(), 16 * 1024), MAX_BODY);
            socket = s;
        } catch (IOException | RuntimeException e) {
            s.close();
            throw e;
        }
    }

    @Override
    public void close() {
        if (socket != null) {
            try {
                socket.close();
            } catch (IOException e) {
                // closing anyway
            }
            socket = null;
        }
    }
}
