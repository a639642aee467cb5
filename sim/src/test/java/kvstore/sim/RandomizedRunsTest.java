package kvstore.sim;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.stream.LongStream;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * The property the store promises, over many seeded runs with faults: the history is linearizable, the run
 * settles once the faults stop, and no acknowledged write is lost. 3 nodes, 4 clients, about 1,000 operations,
 * with the failover controller deciding every view (crashed and partitioned like the nodes), alone or with a
 * rival controller.
 */
class RandomizedRunsTest {
    static LongStream seeds() {
        return Failures.seeds(300);
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void correctProtocolIsLinearizableAndLosesNothing(long seed) {
        SeededRun run = SeededRun.of(SimConfig.swarmTesting(), seed);
        if (run.failed()) {
            fail(Failures.report(run, RandomizedRunsTest.class));
        }
    }

    static LongStream fewerSeeds() {
        return Failures.seeds(150);
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("fewerSeeds")
    void twoRivalControllersNeverMakeTwoPrimaries(long seed) {
        SeededRun run = SeededRun.of(SimConfig.swarmTesting().withControllers(2), seed);
        if (run.failed()) {
            fail(Failures.report(run, RandomizedRunsTest.class));
        }
    }
}
