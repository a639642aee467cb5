package kvstore.sim;

import kvstore.core.Bug;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
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
    /**
     * The bugs no rule of a single step can see: each shows only in what the run leads to (a cluster that never
     * settles). Every other bug must break a rule at the step it goes wrong (Invariants and the core's assertions
     * for safety, the operator runs' availability rule for RENUMBER_ABORTS), before the checker sees its
     * consequences in the history.
     */
    private static final Set<Bug> CAUGHT_BY_THE_OUTCOME_ONLY = Set.of(Bug.LAG_WHILE_CATCHING_UP);

    @TestFactory
    Stream<DynamicTest> everyPlantedBugIsCaught() {
        return Arrays.stream(Bug.values()).map(bug -> DynamicTest.dynamicTest(bug.name(), () -> {
            // The controller's bugs need a rival controller to bite: alone, a controller rarely has stale knowledge.
            // The bugs of epoch-less views need the operator that sends them.
            SimConfig base = switch (bug) {
                case CONTROLLER_ANY_PRIMARY, CONTROLLER_NO_MAJORITY ->
                        SimConfig.defaults().withControllers(2).withViews(SimConfig.Views.CONTROLLERS);
                case RENUMBER_ABORTS -> SimConfig.defaults().withViews(SimConfig.Views.OPERATOR);
                // Needs a store whose transfer outlasts the replication timeout (in memory: disks only slow it).
                case LAG_WHILE_CATCHING_UP -> SimConfig.defaults().withLargeStoreEvery(1)
                        .withDisks(SimConfig.Disks.NONE);
                case ACK_BEFORE_FSYNC, REPLAY_TORN_RECORD, TRUNCATE_PAST_SNAPSHOT ->
                        SimConfig.defaults().withDisks(SimConfig.Disks.ALL);
                // Needs rival controllers whose rounds meet a node that restarted between promising and accepting.
                case FORGET_VOTE_ON_RESTART -> SimConfig.defaults().withControllers(2)
                        .withViews(SimConfig.Views.CONTROLLERS).withDisks(SimConfig.Disks.ALL);
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
            List<String> stepRules = new ArrayList<>(caught.run().invariantViolations());
            stepRules.addAll(caught.run().availabilityViolations());
            System.out.println(bug + " caught at seed " + caught.seed() + " by "
                    + (stepRules.isEmpty() ? "the outcome" : stepRules.getFirst()));
            if (!CAUGHT_BY_THE_OUTCOME_ONLY.contains(bug)) {
                assertFalse(stepRules.isEmpty(), bug + " was caught by the history only, "
                        + "not by a rule checked on every step:\n" + caught.describe());
            }
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
