package kvstore.sim;

import kvstore.core.LoggedOp;
import kvstore.core.Message;
import kvstore.core.Sizes;

import java.util.Map;

/**
 * A message as one line of a run's trace: as the record prints itself, except the ones that carry a piece of a
 * large state, which name what they carry (counts, first and last key, size) instead of printing it.
 */
final class TraceText {
    private static final int LIMIT = 400;

    private TraceText() {
    }

    static String of(Message m) {
        return switch (m) {
            case Message.CatchUp c -> "CatchUp[view=" + c.view() + ", incarnation=" + c.incarnation()
                    + ", primaryIncarnation=" + c.primaryIncarnation() + ", transfer=" + c.transfer() + ", batch="
                    + c.batch() + ", from=" + c.from() + ", full=" + c.full() + ", expect=" + c.expect() + ", ops="
                    + ops(c) + ", results=" + c.results().size() + ", data=" + keys(c.data()) + ", dataDone="
                    + c.dataDone() + ", complete=" + c.complete() + ", lineage=" + c.lineage() + ", ~"
                    + Sizes.of(c) + " bytes]";
            case Message.StateOffer o -> "StateOffer[view=" + o.view() + ", seq=" + o.seq() + ", data="
                    + keys(o.data()) + ", results=" + o.done().size() + ", lineage=" + o.lineage() + ", ~"
                    + Sizes.of(o) + " bytes]";
            default -> {
                String s = m.toString();
                yield s.length() <= LIMIT ? s : s.substring(0, LIMIT) + "... (" + s.length() + " characters)";
            }
        };
    }

    private static String ops(Message.CatchUp c) {
        if (c.ops().isEmpty()) {
            return "[]";
        }
        LoggedOp first = c.ops().getFirst();
        return c.ops().size() <= 3 ? c.ops().toString()
                : c.ops().size() + " (" + first.seq() + ".." + c.ops().getLast().seq() + ")";
    }

    private static String keys(Map<String, String> data) {
        if (data.size() <= 3) {
            return data.toString();
        }
        String first = data.keySet().iterator().next();
        String last = null;
        for (String k : data.keySet()) {
            last = k;
        }
        return data.size() + " keys (" + first + ".." + last + ")";
    }
}
