package kvstore.node.tls;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.List;

/**
 * A certificate authority made on the spot, for a cluster that lives as long as a test, a Jepsen-style run or a
 * development cluster: it issues each process a certificate for loopback ({@code 127.0.0.1}, {@code localhost}),
 * usable both to serve and to connect (nodes are both), and writes everything as PEM files that {@link TlsFiles}
 * reads. Its key is never written: nothing can be issued by it later. Not for production, where certificates
 * come from the operator's own authority.
 */
public final class ThrowAwayPki {
    private static final Duration VALIDITY = Duration.ofDays(30);
    private static final SecureRandom RANDOM = new SecureRandom();

    private final String name;
    private final KeyPair key;
    private final X509Certificate certificate;

    private ThrowAwayPki(String name) {
        this.name = name;
        this.key = newKey();
        X500Name subject = new X500Name("CN=" + name);
        JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(subject, serial(), notBefore(),
                notAfter(), subject, key.getPublic());
        try {
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
            builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            builder.addExtension(Extension.subjectKeyIdentifier, false,
                    extensions().createSubjectKeyIdentifier(key.getPublic()));
        } catch (CertIOException e) {
            throw new IllegalStateException(e);
        }
        this.certificate = sign(builder, key);
    }

    /** A new authority, named {@code name} in the certificates it issues. */
    public static ThrowAwayPki create(String name) {
        return new ThrowAwayPki(name);
    }

    /** Writes the authority's certificate (what every process trusts) to {@code file}. */
    public Path writeCa(Path file) {
        write(file, pem("CERTIFICATE", encoded(certificate)));
        return file;
    }

    /**
     * Issues a certificate for {@code subject} and writes, into {@code dir}, {@code subject.pem} (the certificate
     * and the authority's, a chain), {@code subject.key} (its private key, PKCS#8, owner-only) and {@code ca.pem};
     * returns the three as {@link TlsFiles}.
     */
    public TlsFiles issue(String subject, Path dir) {
        KeyPair leafKey = newKey();
        JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(certificate, serial(), notBefore(),
                notAfter(), new X500Name("CN=" + subject), leafKey.getPublic());
        try {
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
            builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(
                    new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}));
            builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
                    new GeneralName(GeneralName.iPAddress, "127.0.0.1"),
                    new GeneralName(GeneralName.dNSName, "localhost")}));
            // Key identifiers: strict verifiers (OpenSSL's strict mode, Python 3.13's defaults) require them.
            builder.addExtension(Extension.subjectKeyIdentifier, false,
                    extensions().createSubjectKeyIdentifier(leafKey.getPublic()));
            builder.addExtension(Extension.authorityKeyIdentifier, false,
                    extensions().createAuthorityKeyIdentifier(certificate));
        } catch (CertIOException | java.security.cert.CertificateEncodingException e) {
            throw new IllegalStateException(e);
        }
        X509Certificate leaf = sign(builder, key);
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Path cert = dir.resolve(subject + ".pem");
        Path privateKey = dir.resolve(subject + ".key");
        write(cert, pem("CERTIFICATE", encoded(leaf)) + pem("CERTIFICATE", encoded(certificate)));
        writePrivate(privateKey, pem("PRIVATE KEY", leafKey.getPrivate().getEncoded()));
        return new TlsFiles(cert, privateKey, writeCa(dir.resolve("ca.pem")));
    }

    @Override
    public String toString() {
        return "throw-away CA " + name;
    }

    private static org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils extensions() {
        try {
            return new org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils();
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JDK has no SHA-1 for key identifiers", e);
        }
    }

    private static KeyPair newKey() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JDK cannot make P-256 keys", e);
        }
    }

    private static X509Certificate sign(JcaX509v3CertificateBuilder builder, KeyPair issuer) {
        try {
            return new JcaX509CertificateConverter().getCertificate(builder.build(
                    new JcaContentSignerBuilder("SHA256withECDSA").build(issuer.getPrivate())));
        } catch (OperatorCreationException | GeneralSecurityException e) {
            throw new IllegalStateException("could not sign a certificate", e);
        }
    }

    private static BigInteger serial() {
        return new BigInteger(64, RANDOM).add(BigInteger.ONE);
    }

    private static Date notBefore() {
        return Date.from(Instant.now().minus(Duration.ofHours(1))); // clocks of the processes may differ a little
    }

    private static Date notAfter() {
        return Date.from(Instant.now().plus(VALIDITY));
    }

    private static byte[] encoded(X509Certificate c) {
        try {
            return c.getEncoded();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }

    private static void write(Path file, String text) {
        try {
            Files.writeString(file, text, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void writePrivate(Path file, String text) {
        try {
            Files.deleteIfExists(file);
            List<java.nio.file.attribute.FileAttribute<?>> owner = new ArrayList<>();
            if (file.getFileSystem().supportedFileAttributeViews().contains("posix")) {
                owner.add(java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                        java.nio.file.attribute.PosixFilePermissions.fromString("rw-------")));
            }
            Files.createFile(file, owner.toArray(new java.nio.file.attribute.FileAttribute<?>[0]));
            Files.writeString(file, text, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
