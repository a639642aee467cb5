package kvstore.sim;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The same seed and schedule give the same run, event for event: that is what makes a failure replayable. */
class DeterminismTest {

    private static String trace(long seed) {
        SimConfig config = SimConfig.defaults().withOperations(300);
        return new Simulation(config, seed, SeededRun.scheduleFor(config, seed), true).run().trace();
    }

    @Test
    void sameSeedGivesAByteIdenticalTrace() {
        for (long seed : new long[] {3, 19, 42}) {
            String first = trace(seed);
            assertTrue(first.length() > 10_000, "the trace records the run");
            assertEquals(first, trace(seed), "seed " + seed + " replayed differently");
        }
    }

    @Test
    void differentSeedsGiveDifferentRuns() {
        assertNotEquals(trace(1), trace(2));
    }
}
