package kvstore.client;

import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.OptionalLong;

/**
 * One HTTP exchange with one node. The library's only contact with the network, so that what it decides (where to
 * send, whether to retry, what a failure means) can be tested against a transport that loses answers or invents
 * refusals. {@link #http} is the JDK's HTTP client.
 */
public interface Transport extends AutoCloseable {

    /** @param body the request's body, or null for none */
    record Request(String method, String path, Map<String, String> headers, byte[] body) {
    }

    /** @param msgNum the operation's position in the primary's order ({@code Msg-Num}), when answered with one */
    record Response(int status, byte[] body, OptionalLong msgNum) {
    }

    /**
     * Sends a request to the node at {@code address} (host:port) and waits at most {@code timeout} for the answer.
     *
     * @throws NotSentException when the request certainly never reached the node (no connection could be made)
     * @throws IOException      when it may have: the node may have acted on it (a timeout, a broken connection)
     */
    Response send(String address, Request request, Duration timeout) throws IOException;

    @Override
    void close();

    /** The request certainly never reached the node: the connection was refused, or could not be made in time. */
    final class NotSentException extends IOException {
        public NotSentException(String address, Throwable cause) {
            super("could not connect to " + address + ": " + cause, cause);
        }
    }

    /** HTTP/1.1 over the JDK's client: plain, or TLS trusting {@code tls}'s authorities (null: plain HTTP). */
    static Transport http(javax.net.ssl.SSLContext tls, Duration connectTimeout) {
        return new HttpTransport(tls, connectTimeout);
    }
}
