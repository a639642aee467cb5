package kvstore.client;

import javax.net.ssl.SSLContext;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * The JDK's HTTP client (java.net.http): pooled keep-alive connections, TLS, timeouts, and no dependency to ship.
 * HTTP/1.1, as the nodes serve it.
 */
final class HttpTransport implements Transport {
    private final HttpClient http;
    private final String scheme;

    HttpTransport(SSLContext tls, Duration connectTimeout) {
        HttpClient.Builder builder = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(connectTimeout);
        if (tls != null) {
            builder.sslContext(tls);
        }
        this.http = builder.build();
        this.scheme = tls == null ? "http" : "https";
    }

    @Override
    public Response send(String address, Request request, Duration timeout) throws IOException {
        HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(scheme + "://" + address + request.path()))
                .timeout(timeout)
                .method(request.method(), request.body() == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofByteArray(request.body()));
        request.headers().forEach(builder::header);
        try {
            HttpResponse<byte[]> r = http.send(builder.build(), HttpResponse.BodyHandlers.ofByteArray());
            return new Response(r.statusCode(), r.body(), r.headers().firstValueAsLong("Msg-Num"));
        } catch (ConnectException | HttpConnectTimeoutException e) {
            throw new NotSentException(address, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for " + address);
        }
    }

    @Override
    public void close() {
        http.close();
    }
}
