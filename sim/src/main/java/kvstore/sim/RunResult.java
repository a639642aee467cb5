package kvstore.sim;

import kvstore.checker.history.Event;
import kvstore.checker.history.History;
import kvstore.core.Replica;

import java.util.List;
import java.util.Map;

/**
 * What a run produced: the history the clients saw, the event trace (when kept), and how it ended.
 *
 * @param finished whether the final reads completed (a run that never settles is itself a failure)
 * @param availabilityViolations operations refused while nothing should have refused them (operator runs)
 * @param invariantViolations steps that broke a rule of the protocol, named when they happened
 * @param views    who decided the views in this run
 * @param viewsDecided how many views controllers decided in the run (a cluster that flaps decides many)
 * @param availability how many operations invoked during faults succeeded
 * @param recoveryMicros from the faults' end to the last final read answered (-1: it never was): how long the
 *                     cluster took to serve every key again
 */
public record RunResult(List<Event> events, History history, String trace, long deliveredMessages,
                        long virtualMicros, boolean finished, Map<String, Replica> replicas,
                        List<String> availabilityViolations, List<String> invariantViolations,
                        SimConfig.Views views, int viewsDecided, Availability availability,
                        long recoveryMicros) {
}
