package kvstore.node.tls;

import io.helidon.common.configurable.Resource;
import io.helidon.common.tls.Tls;
import io.helidon.common.tls.TlsClientAuth;

import javax.net.ssl.SSLContext;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A process's TLS identity and trust, as PEM files: its certificate chain, its private key (unencrypted PKCS#8, as
 * {@code openssl genpkey} writes it, or PKCS#1 RSA) and the certificate of the cluster's authority. Every
 * process of a cluster, node or controller, is both a server and a client of the others: it presents its own
 * certificate either way and trusts only certificates issued by that authority. One place turns the files into
 * what Helidon serves with and what the JDK clients connect with.
 *
 * @param cert the certificate chain, the process's own first
 * @param key  its private key
 * @param ca   the authority's certificate: a peer is trusted only with a certificate it issued
 */
public record TlsFiles(Path cert, Path key, Path ca) {

    /** The three files, refused at once (naming the one at fault) when one cannot be read or is not PEM. */
    public static TlsFiles of(Path cert, Path key, Path ca) {
        TlsFiles files = new TlsFiles(cert, key, ca);
        files.check();
        return files;
    }

    /**
     * What the node serves with: its certificate, and a client certificate asked for but not required (clients of
     * the REST API have none; peers and controllers present theirs, and one from another authority fails the
     * handshake). {@link #peerCertificate} tells, per request, whether a verified one came.
     */
    public Tls server() {
        return tls(TlsClientAuth.OPTIONAL);
    }

    /**
     * What a process connects to others with: it verifies their certificate against the authority, and that it
     * names the host it connects to (as HTTPS does), and presents its own when asked.
     */
    public SSLContext clientContext() {
        return tls(TlsClientAuth.NONE).sslContext();
    }

    /**
     * Whether the request came over a connection whose client presented a certificate the authority issued (the
     * handshake already refused any other): how a node tells a peer or controller from a client of the REST API.
     */
    public static boolean peerCertificate(io.helidon.webserver.http.ServerRequest req) {
        return req.remotePeer().tlsCertificates().map(chain -> chain.length > 0).orElse(false);
    }

    /** The common name a node's certificate must have: {@code node-<id>}. */
    public static String nodeName(long id) {
        return "node-" + id;
    }

    private static final java.util.regex.Pattern NODE_NAME = java.util.regex.Pattern.compile("node-([0-9]{1,18})");

    /**
     * Binds a sender's claimed identity to its certificate (null: it may send as it says): a certificate named
     * {@code node-<id>} (its subject's common name) speaks for that node only, and any other certificate of the
     * cluster's authority (a controller's) for no node. So a peer cannot pass itself off as the primary, whose
     * replication a backup takes (the core fences by sender), nor can a controller's certificate.
     *
     * @param fromNode the node id the request names as its sender, or null when it names a controller
     */
    public static String mayActAs(io.helidon.webserver.http.ServerRequest req, String fromNode) {
        String name = commonName(req);
        java.util.regex.Matcher m = name == null ? null : NODE_NAME.matcher(name);
        String certifiedNode = m != null && m.matches() ? m.group(1) : null;
        if (fromNode == null || java.util.Objects.equals(certifiedNode, fromNode)) {
            return null;
        }
        return certifiedNode == null
                ? "a certificate named " + name + " is not a node's (node-<id>): it may not send as node " + fromNode
                : "the certificate of node " + certifiedNode + " may not send as node " + fromNode;
    }

    /** The common name of the client certificate's subject (null: none). */
    private static String commonName(io.helidon.webserver.http.ServerRequest req) {
        java.security.cert.Certificate[] chain = req.remotePeer().tlsCertificates().orElse(null);
        if (chain == null || chain.length == 0 || !(chain[0] instanceof java.security.cert.X509Certificate leaf)) {
            return null;
        }
        try {
            for (javax.naming.ldap.Rdn rdn : new javax.naming.ldap.LdapName(leaf.getSubjectX500Principal()
                    .getName()).getRdns()) {
                if (rdn.getType().equalsIgnoreCase("CN")) {
                    return String.valueOf(rdn.getValue());
                }
            }
        } catch (javax.naming.InvalidNameException e) {
            return null;
        }
        return null;
    }

    private Tls tls(TlsClientAuth clientAuth) {
        return Tls.builder()
                .privateKey(k -> k.pem(p -> p.key(Resource.create(key))))
                .privateKeyCertChain(k -> k.pem(p -> p.certChain(Resource.create(cert))))
                .trust(k -> k.pem(p -> p.certificates(Resource.create(ca))))
                .clientAuth(clientAuth)
                .endpointIdentificationAlgorithm(Tls.ENDPOINT_IDENTIFICATION_HTTPS)
                .build();
    }

    private void check() {
        for (Path file : new Path[] {cert, key, ca}) {
            if (!Files.isReadable(file)) {
                throw new IllegalArgumentException("cannot read " + file);
            }
        }
        try {
            tls(TlsClientAuth.OPTIONAL).sslContext();
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("the TLS files " + cert + ", " + key + " and " + ca
                    + " do not make a certificate, its key and an authority (PEM; the key PKCS#8, unencrypted): "
                    + e.getMessage(), e);
        }
    }
}
