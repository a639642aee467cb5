package kvstore.node.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The cluster's token never comes from the command line, and a node without one listens on loopback only unless
 * told, out loud, to take the risk.
 */
class ClusterSecretTest {
    private static Args args(String... argv) {
        return new Args(argv, Set.of("--token", "--token-file", "--host"), Set.of("--insecure"));
    }

    @Test
    void aTokenOnTheCommandLineIsRefusedWithTheWayToGiveIt() {
        Args.UsageError e = assertThrows(Args.UsageError.class,
                () -> ClusterSecret.token(args("--token", "s3cret"), Map.of()));
        assertTrue(e.getMessage().contains("--token-file") && e.getMessage().contains("CLUSTER_TOKEN"),
                e.getMessage());
        assertTrue(!e.getMessage().contains("s3cret"), "the refusal does not repeat the secret");
    }

    @Test
    void theTokenComesFromAFileOrTheEnvironment(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("token");
        Files.writeString(file, "from-file\n");
        assertEquals("from-file", ClusterSecret.token(args("--token-file", file.toString()),
                Map.of("CLUSTER_TOKEN", "from-env")), "the file wins over the environment");
        assertEquals("from-env", ClusterSecret.token(args(), Map.of("CLUSTER_TOKEN", "from-env")));
        assertNull(ClusterSecret.token(args(), Map.of()));
    }

    @Test
    void aTokenFileThatHoldsMoreOrLessThanATokenIsRefused(@TempDir Path dir) throws Exception {
        Path empty = Files.writeString(dir.resolve("empty"), "\n");
        Path twoLines = Files.writeString(dir.resolve("two"), "a\nb\n");
        Path big = Files.writeString(dir.resolve("big"), "x".repeat(5000));
        for (Path p : new Path[] {empty, twoLines, big, dir.resolve("missing")}) {
            assertThrows(Args.UsageError.class, () -> ClusterSecret.token(args("--token-file", p.toString()),
                    Map.of()), p.toString());
        }
        assertThrows(Args.UsageError.class, () -> ClusterSecret.token(args(), Map.of("CLUSTER_TOKEN", " ")));
    }

    @Test
    void withoutATokenOnlyLoopbackMayBeListenedOn() {
        assertNull(ClusterSecret.checkExposure("127.0.0.1", null, false));
        assertNull(ClusterSecret.checkExposure("127.0.0.12", null, false), "all of 127/8 is loopback");
        assertNull(ClusterSecret.checkExposure("localhost", null, false));
        assertNull(ClusterSecret.checkExposure("::1", null, false));
        Args.UsageError refused = assertThrows(Args.UsageError.class,
                () -> ClusterSecret.checkExposure("0.0.0.0", null, false));
        assertTrue(refused.getMessage().contains("--insecure") && refused.getMessage().contains("--token-file"),
                refused.getMessage());
        assertNull(ClusterSecret.checkExposure("0.0.0.0", "t", false), "with a token, anywhere");
        String warning = ClusterSecret.checkExposure("0.0.0.0", null, true);
        assertTrue(warning != null && warning.contains("forge replication"), String.valueOf(warning));
    }

    @Test
    void aGeneratedTokenIsRandomAndWrittenForItsOwnerOnly(@TempDir Path dir) throws Exception {
        String a = ClusterSecret.random();
        assertEquals(64, a.length());
        assertNotEquals(a, ClusterSecret.random());
        Path file = ClusterSecret.writePrivate(dir.resolve("token"), a);
        assertEquals(a, Files.readString(file).strip());
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        assertEquals(a, ClusterSecret.token(args("--token-file", file.toString()), Map.of()));
    }
}
