package kvstore.sim;

import kvstore.core.Bug;
import kvstore.sim.nemesis.Fault;
import kvstore.sim.nemesis.FaultSchedule;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 13's episode in the simulator: a primary of a large store is cut off (or paused, as in that episode), the
 * controller moves on without it, and when it comes back it must be brought back once, while writes go on. Before
 * catch-up measured progress, the new primary reported it lagging before its transfer could finish, the controller
 * dropped it and added it back, and the transfer began again, for ever: the planted bug LAG_WHILE_CATCHING_UP
 * restores that rule, and this run keeps the seed that shows it.
 */
class LargeStoreTest {
    private static final long SEED = 65; // 159,517 keys loaded, 15.3 MB/s links: a full transfer takes ~0.4 s
    private static final SimConfig CONFIG = SimConfig.defaults().withViews(SimConfig.Views.CONTROLLERS)
            .withLargeStoreEvery(1).withDisks(SimConfig.Disks.NONE);
    private static final FaultSchedule PAUSE = new FaultSchedule(0, 0, 300, 15.3, List.of(new Fault.Partition(
            200_000, List.of(List.of("n1"), List.of("n2", "n3", "ctl1")), false, 500_000)));

    @Test
    void aCutOffPrimaryOfALargeStoreIsBroughtBackWithoutFlapping() {
        SeededRun run = SeededRun.of(CONFIG, SEED, PAUSE);
        assertFalse(run.failed(), run.describe());
        assertTrue(CONFIG.storeKeysFor(SEED) > 100_000, "a large store");
        assertTrue(run.run().viewsDecided() <= 4, "the first view, one without n1, one with it back (and at most "
                + "one more): " + run.run().viewsDecided() + " views\n" + run.describe());
    }

    @Test
    void aPausedPrimaryOfALargeStoreIsBroughtBackWithoutFlapping() {
        FaultSchedule sigstop = new FaultSchedule(0, 0, 300, 15.3, List.of(new Fault.Pause(200_000, "n1", 700_000)));
        SeededRun run = SeededRun.of(CONFIG, SEED, sigstop);
        assertFalse(run.failed(), run.describe());
        assertTrue(run.run().viewsDecided() <= 4, run.run().viewsDecided() + " views\n" + run.describe());
    }

    /**
     * The same on disks: every transfer ends in a snapshot of the whole store, and acknowledgements wait for syncs.
     * One more view is allowed: a disk of this seed stalls near the end, long enough to report a backup lagging.
     */
    @Test
    void aCutOffPrimaryOfALargeStoreOnDisksIsBroughtBackWithoutFlapping() {
        SimConfig onDisks = CONFIG.withDisks(SimConfig.Disks.ALL);
        SeededRun run = SeededRun.of(onDisks, SEED, PAUSE);
        assertFalse(run.failed(), run.describe());
        assertTrue(run.run().viewsDecided() <= 5, run.run().viewsDecided() + " views\n" + run.describe());
    }

    @Test
    void reportingABackupLaggingBeforeItCouldCatchUpMakesTheClusterFlap() {
        SeededRun run = SeededRun.of(CONFIG.withBugs(Set.of(Bug.LAG_WHILE_CATCHING_UP)), SEED, PAUSE);
        assertTrue(run.failed() && !run.run().finished(), "the cluster never settles: " + run.describe());
        assertTrue(run.run().viewsDecided() > 8, "view after view (fewer as drops grow longer): "
                + run.run().viewsDecided() + " views");
    }
}
