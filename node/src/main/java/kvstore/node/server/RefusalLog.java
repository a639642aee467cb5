package kvstore.node.server;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Says why internal messages from a sender (an address) were refused, once per sender and reason: a misconfigured or hostile
 * peer is refused at every batch, many a second, and one line per batch would flood the log. A sender is said
 * again when its reason changes. Remembers the last {@value #SENDERS} senders only, so that its memory is bounded.
 */
final class RefusalLog {
    private static final System.Logger LOG = System.getLogger(RefusalLog.class.getName());
    private static final int SENDERS = 1024;
    private static final int MAX_REASON = 300;

    private final Map<String, String> lastReason = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
            return size() > SENDERS;
        }
    };

    /** @return whether this was said now (false: the same sender was refused for the same reason before) */
    synchronized boolean refused(String sender, int status, String reason) {
        // The reason may echo what the sender wrote (a header's value): bounded.
        String said = status + " " + (reason.length() > MAX_REASON ? reason.substring(0, MAX_REASON) + "..." : reason);
        if (said.equals(lastReason.put(sender, said))) {
            return false;
        }
        LOG.log(System.Logger.Level.WARNING, "refused internal messages from {0}: {1} (said once per sender and "
                + "reason)", sender, said);
        return true;
    }
}
