package kvstore.core;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ChainIdTest {
    @Test
    void onlyAnEarlierChainOfTheSamePrimaryPrecedes() {
        ChainId chain = new ChainId("n1", 2, 7);
        assertTrue(new ChainId("n1", 2, 5).precedes(chain), "begun earlier in the same life");
        assertTrue(new ChainId("n1", 1, 9).precedes(chain), "of an earlier life, whatever its start");
        assertFalse(chain.precedes(chain), "not itself");
        assertFalse(new ChainId("n1", 2, 8).precedes(chain), "a later chain");
        assertFalse(new ChainId("n1", 3, 1).precedes(chain), "a later life");
        assertFalse(new ChainId("n2", 1, 1).precedes(chain), "another primary's");
    }
}
