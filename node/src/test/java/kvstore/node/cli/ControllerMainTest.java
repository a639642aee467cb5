package kvstore.node.cli;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** `./kv controller --nodes`: every node as ID=HOST:PORT, and a clear error for anything else. */
class ControllerMainTest {
    @Test
    void parsesTheNodeList() {
        assertEquals(Map.of("1", "127.0.0.1:9001", "10", "db-2.example:80"),
                ControllerMain.parseNodes("1=127.0.0.1:9001, 10=db-2.example:80"));
    }

    @Test
    void refusesWhatNoViewDocumentCouldName() {
        for (String bad : new String[]{"", "1", "1=", "-1=h:1", "01=h:1", "x=h:1", "1=h", "1=h:99999", "1=user@h:1",
                "1=h:1/path", "1=h_1:80", "1=h:1,1=h:2"}) {
            Args.UsageError e = assertThrows(Args.UsageError.class, () -> ControllerMain.parseNodes(bad), bad);
            assertTrue(e.getMessage().contains("ID=HOST:PORT") || e.getMessage().contains("listed twice"),
                    bad + ": " + e.getMessage());
        }
    }
}
