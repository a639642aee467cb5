package kvstore.node.server;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A refused sender is said once per reason, again when its reason changes, and only so many senders are kept. */
class RefusalLogTest {
    @Test
    void saysEachSenderOncePerReason() {
        RefusalLog log = new RefusalLog();
        assertTrue(log.refused("node 2 at 10.0.0.2", 401, "wrong cluster token"));
        for (int i = 0; i < 1000; i++) {
            assertFalse(log.refused("node 2 at 10.0.0.2", 401, "wrong cluster token"), "a flood is said once");
        }
        assertTrue(log.refused("node 3 at 10.0.0.3", 401, "wrong cluster token"), "another sender");
        assertTrue(log.refused("node 2 at 10.0.0.2", 403, "not a node's certificate"), "another reason");
        assertTrue(log.refused("node 2 at 10.0.0.2", 401, "wrong cluster token"), "the first reason again");
    }

    @Test
    void remembersABoundedNumberOfSenders() {
        RefusalLog log = new RefusalLog();
        assertTrue(log.refused("first", 400, "bad batch"));
        for (int i = 0; i < 2000; i++) {
            log.refused("sender " + i, 400, "bad batch");
        }
        assertTrue(log.refused("first", 400, "bad batch"), "forgotten after many others: said again");
    }
}
