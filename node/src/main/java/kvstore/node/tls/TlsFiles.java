package kvstore.node.tls;

import io.helidon.common.configurable.Resource;
import io.helidon.common.tls.Tls;
import io.helidon.common.tls.TlsClientAuth;

import io.helidon.common.pki.Keys;

import javax.net.ssl.SSLContext;
import java.security.cert.X509Certificate;
import java.util.List;
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
     * {@code node-<id>} (its subject's one common name) speaks for that node only, never as a controller; any other
     * certificate of the cluster's authority (a controller's) speaks for no node. So a member cannot pass itself off
     * as the primary, whose replication a backup takes (the core fences by sender), nor act as a controller and
     * install a view that makes it primary.
     *
     * @param fromNode the node id the request names as its sender (null: none)
     */
    public static String mayActAs(io.helidon.webserver.http.ServerRequest req, String fromNode) {
        List<String> names = commonNames(req);
        String name = names.size() == 1 ? names.getFirst() : null;
        java.util.regex.Matcher m = name == null ? null : NODE_NAME.matcher(name);
        String certifiedNode = m != null && m.matches() ? m.group(1) : null;
        if (certifiedNode != null) {
            return certifiedNode.equals(fromNode) ? null : fromNode == null
                    ? "the certificate of node " + certifiedNode + " may not send as a controller"
                    : "the certificate of node " + certifiedNode + " may not send as node " + fromNode;
        }
        return fromNode == null ? null : "a certificate named " + names + " is not a node's (exactly one common name, "
                + "node-<id>): it may not send as node " + fromNode;
    }

    /**
     * Refuses, at start, a node certificate that does not name the node: its peers would refuse every message it
     * sends (see {@link #mayActAs}), which would show only in their logs.
     */
    public void requireNodeName(long id) {
        X509Certificate leaf = leaf();
        List<String> names = commonNames(leaf);
        if (!names.equals(List.of(nodeName(id)))) {
            throw new IllegalArgumentException(cert + " names " + names + "; node " + id + "'s certificate must have "
                    + "the one common name " + nodeName(id) + " (peers accept a node's messages only from the "
                    + "certificate that names it)");
        }
    }

    private X509Certificate leaf() {
        List<X509Certificate> chain = Keys.builder().pem(p -> p.certChain(Resource.create(cert))).build().certChain();
        if (chain.isEmpty()) {
            throw new IllegalArgumentException(cert + " holds no certificate");
        }
        return chain.getFirst();
    }

    /** The common names of the client certificate's subject (none: no certificate). */
    private static List<String> commonNames(io.helidon.webserver.http.ServerRequest req) {
        java.security.cert.Certificate[] chain = req.remotePeer().tlsCertificates().orElse(null);
        return chain == null || chain.length == 0 || !(chain[0] instanceof X509Certificate leaf) ? List.of()
                : commonNames(leaf);
    }

    private static List<String> commonNames(X509Certificate certificate) {
        List<String> names = new java.util.ArrayList<>(1);
        try {
            for (javax.naming.ldap.Rdn rdn : new javax.naming.ldap.LdapName(certificate.getSubjectX500Principal()
                    .getName()).getRdns()) {
                javax.naming.directory.Attribute cn = rdn.toAttributes().get("CN");
                for (int i = 0; cn != null && i < cn.size(); i++) {
                    names.add(String.valueOf(cn.get(i)));
                }
            }
        } catch (javax.naming.NamingException e) {
            return List.of();
        }
        return names;
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
