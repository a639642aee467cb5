package kvstore.node.http;

import javax.net.ssl.SSLContext;
import java.net.http.HttpClient;

/**
 * The JDK's HTTP client as the project's processes reach nodes with it (the controller, the harness): HTTP/1.1,
 * and over TLS when given a context, whose authority the nodes' certificates must come from.
 */
public final class HttpClients {
    private HttpClients() {
    }

    /** A builder for HTTP/1.1, over TLS with {@code tls} (null: plain HTTP). */
    public static HttpClient.Builder builder(SSLContext tls) {
        HttpClient.Builder builder = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1);
        if (tls != null) {
            builder.sslContext(tls);
        }
        return builder;
    }

    /** The URI scheme to reach a node with: {@code https} over TLS, else {@code http}. */
    public static String scheme(SSLContext tls) {
        return tls == null ? "http" : "https";
    }
}
