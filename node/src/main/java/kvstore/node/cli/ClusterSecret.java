package kvstore.node.cli;

import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Where a process of the cluster gets its token, and whether it may listen without one.
 *
 * <p>The token comes from a file ({@code --token-file}) or the environment ({@code CLUSTER_TOKEN}, as in the
 * prototype's containers), never from the command line: every user of the machine can read a process's arguments
 * ({@code ps}), while a file can be private and a process's environment is readable by its owner only.
 *
 * <p>Without a token, anyone who can reach a node can install views and forge replication, so a node without one
 * listens on loopback only (Redis's protected mode, etcd's localhost default); anything else needs a token, or
 * {@code --insecure}, said out loud.
 */
final class ClusterSecret {
    static final String ENV = "CLUSTER_TOKEN";
    static final String FILE_OPTION = "--token-file";
    /** Longer than any sane secret, short enough that a wrong file (a log, a jar) is refused, not read whole. */
    private static final long MAX_FILE_BYTES = 4096;

    private ClusterSecret() {
    }

    /** The token from {@code --token-file} or the environment; null if neither gives one. */
    static String token(Args args, Map<String, String> env) {
        if (args.has("--token")) {
            throw new Args.UsageError("--token would show the cluster's secret to every user of this machine (ps "
                    + "lists a process's arguments): put it in a file readable only by you and pass "
                    + FILE_OPTION + " FILE, or set $" + ENV);
        }
        if (args.has(FILE_OPTION)) {
            return checked(read(Path.of(args.get(FILE_OPTION, null))), FILE_OPTION + " " + args.get(FILE_OPTION, null));
        }
        String fromEnv = env.get(ENV);
        return fromEnv == null ? null : checked(fromEnv, "$" + ENV);
    }

    /** A token travels in an HTTP header: one or more visible ASCII characters. */
    private static String checked(String token, String where) {
        if (!kvstore.node.server.NodeConfig.isToken(token)) {
            throw new Args.UsageError(where + ": a cluster token is one or more visible ASCII characters, no spaces "
                    + "(it travels in an HTTP header)");
        }
        return token;
    }

    private static String read(Path file) {
        try {
            if (Files.size(file) > MAX_FILE_BYTES) {
                throw new Args.UsageError(FILE_OPTION + " " + file + ": more than " + MAX_FILE_BYTES
                        + " bytes; a token file holds the token alone");
            }
            String token = Files.readString(file, StandardCharsets.UTF_8).strip(); // editors add a newline
            if (token.isEmpty()) {
                throw new Args.UsageError(FILE_OPTION + " " + file + " is empty");
            }
            if (token.lines().count() > 1) {
                throw new Args.UsageError(FILE_OPTION + " " + file + " has more than one line; a token file holds "
                        + "the token alone");
            }
            return token;
        } catch (IOException e) {
            throw new Args.UsageError(FILE_OPTION + " " + file + ": cannot read it (" + e.getMessage() + ")");
        }
    }

    /**
     * Refuses to listen on {@code host} without a token unless it is a loopback address or {@code insecure};
     * returns the warning to print when insecure exposure was asked for (null: nothing to say).
     */
    static String checkExposure(String host, String token, boolean insecure) {
        if (token != null || isLoopback(host)) {
            return null;
        }
        if (!insecure) {
            throw new Args.UsageError("listening on " + host + " without a cluster token would let anyone who can "
                    + "reach this address install views and forge replication (acknowledged writes could be lost). "
                    + "Give the cluster a token (" + FILE_OPTION + " FILE or $" + ENV + "), listen on loopback "
                    + "(--host 127.0.0.1, the default), or pass --insecure to take that risk");
        }
        return "WARNING: listening on " + host + " without a cluster token (--insecure): anyone who can reach it "
                + "can install views and forge replication, and acknowledged writes can be lost";
    }

    /** A new token: 32 random bytes, hex. */
    static String random() {
        byte[] bytes = new byte[32];
        new java.security.SecureRandom().nextBytes(bytes);
        return java.util.HexFormat.of().formatHex(bytes);
    }

    /** Writes {@code text} to {@code file}, readable and writable by this user only where the file system can say so. */
    static Path writePrivate(Path file, String text) {
        try {
            Files.deleteIfExists(file);
            try {
                Files.createFile(file, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                        java.nio.file.attribute.PosixFilePermissions.fromString("rw-------")));
            } catch (UnsupportedOperationException e) {
                Files.createFile(file); // not POSIX (Windows): the folder's own permissions apply
            }
            Files.writeString(file, text + "\n", StandardCharsets.UTF_8);
            return file;
        } catch (IOException e) {
            throw new Args.UsageError("cannot write " + file + ": " + e.getMessage());
        }
    }

    static boolean isLoopback(String host) {
        try {
            for (InetAddress a : InetAddress.getAllByName(host)) {
                if (!a.isLoopbackAddress()) {
                    return false;
                }
            }
            return true;
        } catch (UnknownHostException e) {
            return false; // it will fail to listen anyway; not a reason to call it safe
        }
    }
}
