package kvstore.sim;

import kvstore.core.Bug;
import kvstore.sim.nemesis.Fault;
import kvstore.sim.nemesis.FaultSchedule;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The simulator's pause (SIGSTOP): the node keeps its memory and connections, and what was sent to it arrives
 * when it runs again. A primary paused long enough is replaced; when it wakes up, its clients' requests are
 * waiting for it, and the epochs must keep it from answering any of them as the primary it no longer is.
 */
class PauseTest {
    private static final SimConfig CONFIG = SimConfig.defaults().withViews(SimConfig.Views.CONTROLLERS)
            .withLargeStoreEvery(0);
    private static final long SEED = 3;

    private static FaultSchedule schedule(Fault... faults) {
        return new FaultSchedule(0, 0, 300, 100, List.of(faults));
    }

    @Test
    void aPausedPrimaryIsReplacedAndWakesUpToABacklogItMustNotServe() {
        FaultSchedule pause = schedule(new Fault.Pause(200_000, "n1", 900_000));
        SeededRun run = SeededRun.of(CONFIG, SEED, pause);
        assertFalse(run.failed(), run.describe());
        assertTrue(run.run().viewsDecided() >= 2, "a view without the paused primary: " + run.describe());
        String trace = new Simulation(CONFIG, SEED, pause, true).run().trace();
        Matcher resumed = Pattern.compile("nemesis: resume n1 \\((\\d+) messages waiting\\)").matcher(trace);
        assertTrue(resumed.find(), "n1 resumed");
        assertTrue(Integer.parseInt(resumed.group(1)) > 0, "messages waited for n1: " + resumed.group());
    }

    @Test
    void theSamePauseCatchesAPrimaryThatServesReadsOnItsOwn() {
        SeededRun run = SeededRun.of(CONFIG.withBugs(Set.of(Bug.LOCAL_READS)), SEED,
                schedule(new Fault.Pause(200_000, "n1", 900_000)));
        assertTrue(run.failed(), "LOCAL_READS went unnoticed: " + run.describe());
    }

    @Test
    void aCrashEndsAPauseAndTheOldResumeLeavesALaterPauseAlone() {
        FaultSchedule faults = schedule(new Fault.Pause(100_000, "n3", 900_000),
                new Fault.Crash(200_000, "n3", 300_000), new Fault.Pause(400_000, "n3", 1_200_000));
        String trace = new Simulation(CONFIG, SEED, faults, true).run().trace();
        assertTrue(trace.contains("nemesis: crash n3"), "the crash was not spared:\n" + trace);
        List<String> resumes = trace.lines().filter(l -> l.contains("nemesis: resume n3")).toList();
        assertEquals(1, resumes.size(), "one resume, of the second pause: " + resumes);
        assertEquals(1_200_000, Long.parseLong(resumes.getFirst().split(" ")[0]), resumes.getFirst());
        assertFalse(SeededRun.of(CONFIG, SEED, faults).failed());
    }
}
