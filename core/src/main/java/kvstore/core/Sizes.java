package kvstore.core;

import java.util.Map;

/**
 * About how many bytes things take on the wire: what the primary budgets a catch-up batch by, and what the simulator
 * charges a link for a message (WireCodecTest keeps the estimate near the real encoding).
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
            case Message.StateOffer o -> {
                int size = of(o.data());
                for (Result r : o.done().values()) {
                    size += 48 + of(r);
                }
                yield size;
            }
            case Message.Ack a -> 48 * a.lineage().size();
            default -> 0;
        };
    }

    private static int length(String s) {
        return s == null ? 0 : s.length();
    }
}
