package kvstore.core;

import java.util.Map;

/**
 * About how many bytes things take on the wire: what the primary budgets a catch-up batch by, and what the simulator
 * charges a link for a message. Cheaper than encoding; MessageCodecTest keeps it within a factor of the real
 * encoding ({@link MessageCodec}).
 */
public final class Sizes {
    /** A message's fixed cost: its type, view and the other numbers every message carries. */
    private static final int MESSAGE = 64;
    private static final int ENTRY = 8;   // quotes, colon, comma of a key and value

    private Sizes() {
    }

    public static int of(Command c) {
        return 32 + length(c.key()) + length(c.value()) + length(c.expected());
    }

    public static int of(Result r) {
        int size = 48 + length(r.value()) + length(r.detail());
        if (r.all() != null) {
            size += of(r.all());
        }
        return size;
    }

    public static int of(LoggedOp op) {
        return 64 + of(op.command()) + (op.result() == null ? 0 : of(op.result()));
    }

    public static int of(Map<String, String> data) {
        int size = 2;
        for (Map.Entry<String, String> e : data.entrySet()) {
            size += entry(e.getKey(), e.getValue());
        }
        return size;
    }

    public static int entry(String key, String value) {
        return ENTRY + key.length() + value.length();
    }

    /**
     * Whether a message carries bulk state (a catch-up batch, a state offer): transports send those on a lane of
     * their own, so that they do not hold up heartbeats and acknowledgements behind them.
     */
    public static boolean isBulk(Message m) {
        return m instanceof Message.CatchUp || m instanceof Message.StateOffer;
    }

    /** The approximate encoded size of a message. */
    public static int of(Message m) {
        return MESSAGE + switch (m) {
            case Message.ClientRequest r -> of(r.command());
            case Message.ClientReply r -> of(r.result());
            case Message.Replicate r -> of(r.command());
            case Message.CatchUp c -> {
                int size = 0;
                for (LoggedOp op : c.ops()) {
                    size += of(op);
                }
                for (Result r : c.results().values()) {
                    size += 48 + of(r);
                }
                yield size + of(c.data()) + 48 * c.lineage().size();
            }
            case Message.StateOffer o -> of(o.data()) + ofResults(o.done()) + 48 * o.lineage().size();
            case Message.Snapshot s -> of(s.data()) + ofResults(s.done()) + 48 * s.remembered().lineage().size();
            case Message.Remembered r -> 48 * r.lineage().size() + (r.accepted() == null ? 0 : of(r.accepted()));
            case Message.Logged l -> of(l.op());
            case Message.Ack a -> 48 * a.lineage().size();
            case Message.Status s -> of(s.state());
            case Message.Promise p -> of(p.state());
            case Message.Accepted a -> of(a.state());
            case Message.Refused r -> of(r.state());
            case Message.NewView v -> of(v.view());
            case Message.PassOn p -> of(p.view());
            case Message.Accept a -> of(a.view());
            case Message.ViewReply r -> (r.view() == null ? 0 : of(r.view())) + length(r.refusal());
            case Message.UnnumberedView u -> 16 * (1 + u.backups().size());
            default -> 0;
        };
    }

    private static int ofResults(Map<RequestId, Result> results) {
        int size = 0;
        for (Result r : results.values()) {
            size += 48 + of(r);
        }
        return size;
    }

    public static int of(View v) {
        return 48 + 16 * v.backups().size();
    }

    /** What a node tells a controller: its views, its vote, its lagging backups and catch-ups. */
    public static int of(NodeState s) {
        return 96 + (s.view() == null ? 0 : of(s.view())) + (s.accepted() == null ? 0 : of(s.accepted()))
                + 16 * s.laggingBackups().size() + 40 * (s.catchingUp().size() + s.caughtUp().size());
    }

    private static int length(String s) {
        return s == null ? 0 : s.length();
    }
}
