package kvstore.node.cli;

import kvstore.node.tls.TlsFiles;

import java.nio.file.Path;
import java.util.Set;

/** The command-line options that put a node or a controller on TLS: all three files, or none. */
final class TlsOptions {
    static final String CERT = "--tls-cert";
    static final String KEY = "--tls-key";
    static final String CA = "--tls-ca";
    static final Set<String> NAMES = Set.of(CERT, KEY, CA);
    static final String USAGE = """
              --tls-cert F --tls-key F --tls-ca F
                             serve and connect over TLS only: F are PEM files of this process's certificate
                             chain, its private key (unencrypted PKCS#8, or PKCS#1 RSA) and the cluster's
                             authority. Nodes and controllers present their certificate to each other and
                             accept internal messages only with one the authority issued; clients of the REST
                             API need only trust it
            """;

    private TlsOptions() {
    }

    /** The files named, checked; null when none is named. */
    static TlsFiles from(Args args) {
        long given = NAMES.stream().filter(args::has).count();
        if (given == 0) {
            return null;
        }
        if (given < NAMES.size()) {
            throw new Args.UsageError("TLS needs all of " + CERT + ", " + KEY + " and " + CA);
        }
        return TlsFiles.of(Path.of(args.get(CERT, null)), Path.of(args.get(KEY, null)), Path.of(args.get(CA, null)));
    }

    /** {@code base} and the TLS options, for {@link Args}. */
    static Set<String> with(Set<String> base) {
        Set<String> all = new java.util.HashSet<>(base);
        all.addAll(NAMES);
        return all;
    }
}
