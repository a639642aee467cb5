package kvstore.sim;

import kvstore.core.Bug;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.util.Arrays;
import java.util.Set;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The simulator is only worth something if it catches real protocol bugs. Each deliberately wrong variant must
 * fail some run (a linearizability violation or a lost write) within a bounded number of seeds, while the correct
 * protocol passes that same seed; the failing run must also shrink to one that still fails.
 */
class PlantedBugsTest {
    private static final int SEEDS = 300;

    @TestFactory
    Stream<DynamicTest> everyPlantedBugIsCaught() {
        return Arrays.stream(Bug.values()).map(bug -> DynamicTest.dynamicTest(bug.name(), () -> {
            // The controller's bugs need a rival controller to bite: alone, a controller rarely has stale knowledge.
            // The bugs of epoch-less views need the operator that sends them.
            SimConfig base = switch (bug) {
                case CONTROLLER_ANY_PRIMARY, CONTROLLER_NO_MAJORITY ->
                        SimConfig.defaults().withControllers(2).withViews(SimConfig.Views.CONTROLLERS);
                case RENUMBER_ABORTS -> SimConfig.defaults().withViews(SimConfig.Views.OPERATOR);
                // Needs a store whose transfer outlasts the replication timeout.
                case LAG_WHILE_CATCHING_UP -> SimConfig.defaults().withLargeStoreEvery(1);
                default -> SimConfig.defaults();
            };
            SimConfig buggy = base.withBugs(Set.of(bug));
            SeededRun caught = null;
            for (long seed = 1; seed <= SEEDS && caught == null; seed++) {
                SeededRun run = SeededRun.of(buggy, seed);
                if (run.failed()) {
                    caught = run;
                }
            }
            assertTrue(caught != null, bug + " survived " + SEEDS + " seeded runs");
            SeededRun correct = SeededRun.of(base, caught.seed(), caught.schedule());
            assertFalse(correct.failed(), "the correct protocol fails seed " + caught.seed() + " too:\n"
                    + correct.describe());
            SeededRun small = ScheduleShrinker.shrink(caught, 15);
            assertTrue(small.failed(), "the shrunk run still fails");
            assertTrue(small.schedule().faults().size() <= caught.schedule().faults().size()
                    && small.config().operations() <= caught.config().operations());
        }));
    }
}
