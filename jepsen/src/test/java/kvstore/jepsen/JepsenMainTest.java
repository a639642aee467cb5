package kvstore.jepsen;

import kvstore.node.cli.Args;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code ./kv jepsen}'s options (a clash between two of them once broke every run). */
class JepsenMainTest {
    @TempDir
    Path dir;

    private RunSettings parse(String... options) throws IOException {
        Path jar = Files.createFile(dir.resolve("node.jar"));
        String[] argv = new String[options.length + 2];
        argv[0] = "--node-jar";
        argv[1] = jar.toString();
        System.arraycopy(options, 0, argv, 2, options.length);
        return JepsenMain.parse(argv);
    }

    @Test
    void clientsAreCountedAndBoundToNodesUnlessTheLibraryIsAsked() throws IOException {
        RunSettings defaults = parse("--clients", "7");
        assertEquals(7, defaults.clients());
        assertEquals(RunSettings.ClientBinding.NODE, defaults.binding());
        Files.delete(dir.resolve("node.jar"));
        assertEquals(RunSettings.ClientBinding.LIBRARY, parse("--client-mode", "library").binding());
    }

    @Test
    void anUnknownClientModeIsAUsageError() {
        Args.UsageError e = assertThrows(Args.UsageError.class, () -> parse("--client-mode", "any"));
        assertTrue(e.getMessage().contains("node or library"), e.getMessage());
    }
}
