package kvstore.sim;

import kvstore.checker.history.History;
import kvstore.checker.history.OpKind;
import kvstore.checker.history.Operation;
import kvstore.checker.history.Outcome;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A check apart from linearizability, in the words users care about: after the faults stop, does every key hold
 * a value that no acknowledged write has surely replaced? A final read returning a value whose every writer
 * finished before some acknowledged write to that key began means that acknowledged write was lost. Written
 * values are unique, so a value names its writer.
 */
public final class LostWrites {
    private LostWrites() {
    }

    /** Findings in words; empty when nothing acknowledged was lost. */
    public static List<String> find(History history) {
        List<String> findings = new ArrayList<>();
        for (Map.Entry<String, List<Operation>> key : history.byKey().entrySet()) {
            List<Operation> ops = key.getValue();
            Operation finalRead = null;
            for (Operation op : ops) {
                if (op.process().equals("0") && op.kind() == OpKind.GET && op.outcome() == Outcome.OK) {
                    finalRead = op;
                }
            }
            if (finalRead == null) {
                continue;
            }
            String seen = finalRead.value();
            List<Operation> writers = ops.stream()
                    .filter(op -> op.writes() && op.outcome() != Outcome.FAIL && java.util.Objects.equals(op.written(), seen))
                    .toList();
            for (Operation acknowledged : ops) {
                boolean acked = acknowledged.outcome() == Outcome.OK && acknowledged.writes()
                        && !java.util.Objects.equals(acknowledged.written(), seen);
                if (!acked) {
                    continue;
                }
                boolean allBefore = writers.stream().allMatch(w -> w.precedes(acknowledged));
                boolean initialValueBefore = seen == null && writers.isEmpty();
                if (allBefore || initialValueBefore) {
                    findings.add("key " + key.getKey() + ": the final read found " + (seen == null ? "nothing"
                            : "\"" + seen + "\"") + ", but process " + acknowledged.process() + "'s acknowledged "
                            + acknowledged.kind().wireName() + " at [t" + acknowledged.call() + ", t"
                            + acknowledged.ret() + "] came after every write of that value: it was lost");
                    break;
                }
            }
        }
        return findings;
    }
}
