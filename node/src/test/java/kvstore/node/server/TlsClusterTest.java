package kvstore.node.server;

import kvstore.core.control.Controller;
import kvstore.core.control.ControllerConfig;
import kvstore.node.control.ControllerHost;
import kvstore.node.tls.ThrowAwayPki;
import kvstore.node.tls.TlsFiles;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A cluster over TLS, with certificates from a throw-away authority: clients, peers and the controller all connect
 * over TLS, replication included; plain HTTP gets no answer; internal messages need a certificate the cluster's
 * authority issued, and a peer with one from another authority is refused at the handshake.
 */
class TlsClusterTest {
    @TempDir
    Path dir;

    private final ThrowAwayPki authority = ThrowAwayPki.create("test cluster CA");
    private final List<KvNode> nodes = new ArrayList<>();
    private TlsFiles client;

    @BeforeEach
    void startNodes() {
        for (long id = 1; id <= 3; id++) {
            nodes.add(KvNode.start(new NodeConfig(id, "127.0.0.1", 0, null, TestCluster.TICK, TestCluster.TIMEOUTS,
                    NodeConfig.Start.NEW_CLUSTER, System.nanoTime(), null, null,
                    authority.issue(TlsFiles.nodeName(id), dir), Long.MAX_VALUE, EdgePolicy.defaults())));
        }
        client = authority.issue("client", dir);
    }

    @AfterEach
    void stopNodes() {
        nodes.forEach(KvNode::close);
    }

    private String address(long id) {
        return nodes.get((int) id - 1).address();
    }

    private static HttpResponse<String> send(SSLContext tls, String method, String address, String path, String body,
                                             String... headers) throws IOException, InterruptedException {
        HttpClient.Builder builder = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(2));
        if (tls != null) {
            builder.sslContext(tls);
        }
        try (HttpClient http = builder.build()) {
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create((tls == null ? "http" : "https") + "://"
                            + address + path)).timeout(Duration.ofSeconds(10))
                    .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                            : HttpRequest.BodyPublishers.ofString(body));
            for (int i = 0; i < headers.length; i += 2) {
                request.header(headers[i], headers[i + 1]);
            }
            return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        }
    }

    /** What a REST client has: the authority's certificate to trust, no certificate of its own. */
    private SSLContext trustOnly() throws Exception {
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, trustManagers(), null);
        return context;
    }

    private javax.net.ssl.TrustManager[] trustManagers() throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        try (InputStream in = Files.newInputStream(client.ca())) {
            trust.setCertificateEntry("ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init(trust);
        return factory.getTrustManagers();
    }

    private void installView() throws Exception {
        String doc = Http.viewDocument(this::address, 1, 2, 3);
        for (long id = 1; id <= 3; id++) {
            assertEquals(200, send(client.clientContext(), "PUT", address(id), "/view", doc).statusCode());
        }
    }

    @Test
    void writesAreReplicatedOverTlsAndReadFromAnyNode() throws Exception {
        installView();
        SSLContext rest = trustOnly(); // a client of the REST API needs no certificate
        HttpResponse<String> put = send(rest, "PUT", address(1), "/data/greeting", Http.valueBody("over TLS"));
        assertEquals(201, put.statusCode(), put::body); // acknowledged: every backup has it, sent over TLS
        for (long id = 1; id <= 3; id++) {
            HttpResponse<String> get = send(rest, "GET", address(id), "/data/greeting", null);
            assertEquals(200, get.statusCode(), get::body);
            assertTrue(get.body().contains("over TLS"), get.body());
        }
    }

    @Test
    void plainHttpGetsNoAnswer() {
        assertThrows(IOException.class, () -> send(null, "GET", address(1), "/ping", null));
    }

    @Test
    void internalMessagesWithoutAClusterCertificateAreRefused() throws Exception {
        HttpResponse<String> r = send(trustOnly(), "POST", address(1), MessagesEndpoint.PATH, "",
                MessagesEndpoint.FROM_NODE, "2", "Content-Type", kvstore.core.MessageCodec.MEDIA_TYPE);
        assertEquals(403, r.statusCode(), r.body());
        assertTrue(r.body().contains("certificate issued by the cluster's authority"), r.body());
        SSLContext node2 = authority.issue(TlsFiles.nodeName(2), dir.resolve("again")).clientContext();
        HttpResponse<String> member = send(node2, "POST", address(1), MessagesEndpoint.PATH, "",
                MessagesEndpoint.FROM_NODE, "2", "Content-Type", kvstore.core.MessageCodec.MEDIA_TYPE);
        assertEquals(400, member.statusCode(), member.body()); // past the checks: an empty batch is malformed
    }

    /** A certificate speaks for the node it names (node-<id>) and no other; a controller's for no node at all. */
    @Test
    void aCertificateSpeaksOnlyForTheNodeItNames() throws Exception {
        SSLContext node2 = authority.issue(TlsFiles.nodeName(2), dir.resolve("again")).clientContext();
        HttpResponse<String> asPrimary = send(node2, "POST", address(3), MessagesEndpoint.PATH, "",
                MessagesEndpoint.FROM_NODE, "1", "Content-Type", kvstore.core.MessageCodec.MEDIA_TYPE);
        assertEquals(403, asPrimary.statusCode(), asPrimary.body());
        assertTrue(asPrimary.body().contains("the certificate of node 2 may not send as node 1"), asPrimary.body());
        HttpResponse<String> controllerAsNode = send(client.clientContext(), "POST", address(3),
                MessagesEndpoint.PATH, "", MessagesEndpoint.FROM_NODE, "1", "Content-Type",
                kvstore.core.MessageCodec.MEDIA_TYPE);
        assertEquals(403, controllerAsNode.statusCode(), controllerAsNode.body());
        assertTrue(controllerAsNode.body().contains("is not a node's"), controllerAsNode.body());
        HttpResponse<String> nodeAsController = send(node2, "POST", address(3), MessagesEndpoint.PATH, "",
                MessagesEndpoint.FROM_CONTROLLER, "rogue", "Content-Type", kvstore.core.MessageCodec.MEDIA_TYPE);
        assertEquals(403, nodeAsController.statusCode(), nodeAsController.body());
        assertTrue(nodeAsController.body().contains("may not send as a controller"), nodeAsController.body());
    }

    /** The read deadlines end a TLS connection too: interrupting its thread closes the socket under the TLS layer. */
    @Test
    void aClientThatStopsInItsHeadersIsCutOffOverTls() throws Exception {
        EdgePolicy quick = EdgePolicy.defaults().withReadTimeouts(Duration.ofSeconds(1), Duration.ofSeconds(1));
        try (KvNode node = KvNode.start(NodeConfig.of(4, 0).withTls(authority.issue(TlsFiles.nodeName(4),
                dir.resolve("quick"))).withEdge(quick));
             java.net.Socket socket = trustOnly().getSocketFactory().createSocket("127.0.0.1", node.port())) {
            socket.setSoTimeout(15_000); // past it, a SocketTimeoutException fails the test
            socket.getOutputStream().write("GET /ping HTTP/1.1\r\nHost: x\r\nX-Stalled: ".getBytes());
            socket.getOutputStream().flush();
            int got;
            try {
                got = socket.getInputStream().read();
            } catch (java.net.SocketException | javax.net.ssl.SSLException closed) {
                got = -1;
            }
            assertEquals(-1, got, "closed without an answer");
        }
    }

    @Test
    void aNodeWhoseCertificateDoesNotNameItRefusesToStart() {
        TlsFiles misnamed = authority.issue("web-server", dir.resolve("misnamed"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> KvNode.start(
                new NodeConfig(4, "127.0.0.1", 0, null, TestCluster.TICK, TestCluster.TIMEOUTS,
                        NodeConfig.Start.NEW_CLUSTER, System.nanoTime(), null, null, misnamed, Long.MAX_VALUE,
                        EdgePolicy.defaults())));
        assertTrue(e.getMessage().contains("must have the one common name node-4"), e::getMessage);
    }

    @Test
    void aPeerWithACertificateFromAnotherAuthorityIsRefused() throws Exception {
        TlsFiles stranger = ThrowAwayPki.create("another CA").issue("node-9", dir.resolve("other"));
        // It trusts this cluster's authority, so only the node's check of its certificate can refuse it. The JDK's
        // client withholds a certificate the server's list of authorities does not name: the node sees none.
        SSLContext presenting = new TlsFiles(stranger.cert(), stranger.key(), client.ca()).clientContext();
        HttpResponse<String> r = send(presenting, "POST", address(1), MessagesEndpoint.PATH, "",
                MessagesEndpoint.FROM_NODE, "2");
        assertEquals(403, r.statusCode(), r.body());
        // A client that insists on presenting it fails the handshake.
        assertThrows(javax.net.ssl.SSLException.class, () -> send(insisting(stranger), "POST", address(1),
                MessagesEndpoint.PATH, "", MessagesEndpoint.FROM_NODE, "2"));
        // And a node with such a certificate is no server the cluster's members or clients trust.
        assertThrows(javax.net.ssl.SSLException.class, () -> send(stranger.clientContext(), "GET", address(1),
                "/ping", null));
    }

    /** Trusts the cluster's authority and presents {@code files}' certificate whatever the server asks for. */
    private SSLContext insisting(TlsFiles files) throws Exception {
        io.helidon.common.pki.Keys keys = io.helidon.common.pki.Keys.builder().pem(p -> p
                .key(io.helidon.common.configurable.Resource.create(files.key()))
                .certChain(io.helidon.common.configurable.Resource.create(files.cert()))).build();
        java.security.PrivateKey key = keys.privateKey().orElseThrow();
        java.security.cert.X509Certificate[] chain = keys.certChain().toArray(new java.security.cert.X509Certificate[0]);
        javax.net.ssl.X509ExtendedKeyManager always = new javax.net.ssl.X509ExtendedKeyManager() {
            @Override
            public String[] getClientAliases(String type, java.security.Principal[] issuers) {
                return new String[] {"me"};
            }

            @Override
            public String chooseClientAlias(String[] types, java.security.Principal[] issuers, java.net.Socket s) {
                return "me";
            }

            @Override
            public String chooseEngineClientAlias(String[] types, java.security.Principal[] issuers,
                                                  javax.net.ssl.SSLEngine engine) {
                return "me";
            }

            @Override
            public String[] getServerAliases(String type, java.security.Principal[] issuers) {
                return null;
            }

            @Override
            public String chooseServerAlias(String type, java.security.Principal[] issuers, java.net.Socket s) {
                return null;
            }

            @Override
            public java.security.cert.X509Certificate[] getCertificateChain(String alias) {
                return chain;
            }

            @Override
            public java.security.PrivateKey getPrivateKey(String alias) {
                return key;
            }
        };
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(new javax.net.ssl.KeyManager[] {always}, trustManagers(), null);
        return context;
    }

    @Test
    void theControllerDecidesViewsOverTlsAndReplacesADeadPrimary() throws Exception {
        Map<String, String> addresses = new TreeMap<>();
        for (long id = 1; id <= 3; id++) {
            addresses.put(String.valueOf(id), address(id));
        }
        TlsFiles controllerFiles = authority.issue("controller", dir);
        List<String> notes = new java.util.concurrent.CopyOnWriteArrayList<>();
        try (ControllerHost ignored = new ControllerHost("tls-ctl", addresses, null, controllerFiles.clientContext(),
                TestCluster.TICK, ControllerConfig.defaults(), notes::add)) {
            await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertEquals(201, send(client.clientContext(),
                    "PUT", address(2), "/data/x", Http.valueBody("1")).statusCode(), () -> String.join("\n", notes)));
            String primary = Json.MAPPER.readTree(send(client.clientContext(), "GET", address(2), "/view", null)
                    .body()).path("primary").asText();
            long dead = Long.parseLong(primary);
            nodes.get((int) dead - 1).close();
            long survivor = dead == 1 ? 2 : 1;
            await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertEquals(201, send(client.clientContext(),
                    "PUT", address(survivor), "/data/y", Http.valueBody("2")).statusCode(), () -> String.join("\n",
                    notes)));
        }
    }
}
