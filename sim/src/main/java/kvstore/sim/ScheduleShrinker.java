package kvstore.sim;

import kvstore.sim.nemesis.FaultSchedule;

/**
 * Delta debugging for a failing run: drop faults one at a time, calm the network, halve the workload, keeping
 * each change after which the run still fails. The result replays with the same seed.
 */
public final class ScheduleShrinker {
    private ScheduleShrinker() {
    }

    public static SeededRun shrink(SeededRun failing, int maxRuns) {
        SeededRun best = failing;
        int runs = 0;
        boolean progress = true;
        while (progress && runs < maxRuns) {
            progress = false;
            for (int i = best.schedule().faults().size() - 1; i >= 0 && runs < maxRuns; i--) {
                SeededRun attempt = SeededRun.of(best.config(), best.seed(), best.schedule().without(i));
                runs++;
                if (attempt.failed()) {
                    best = attempt;
                    progress = true;
                }
            }
            if (runs < maxRuns && (best.schedule().dropRate() > 0 || best.schedule().duplicateRate() > 0)) {
                SeededRun attempt = SeededRun.of(best.config(), best.seed(), best.schedule().calmNetwork());
                runs++;
                if (attempt.failed()) {
                    best = attempt;
                    progress = true;
                }
            }
            if (runs < maxRuns && best.config().operations() > 20) {
                SeededRun attempt = SeededRun.of(best.config().withOperations(best.config().operations() / 2),
                        best.seed(), best.schedule());
                runs++;
                if (attempt.failed()) {
                    best = attempt;
                    progress = true;
                }
            }
        }
        return best;
    }
}
