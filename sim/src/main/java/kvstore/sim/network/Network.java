package kvstore.sim.network;

import kvstore.core.Message;
import kvstore.core.Sizes;

import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The simulated network between endpoints: it decides, from the run's random source, whether and when each
 * message arrives. Faults: drop, delay with a long tail (which also reorders), duplication, and partitions
 * (any grouping, also one-way) that block a direction until healed. Cost: each directed link sends one message
 * at a time, for its size ({@link Sizes}) over the link's bandwidth, so a large transfer takes time and holds up
 * what is sent after it, as on a TCP connection. Like the nodes' transport ({@code Peers}), a link has two lanes,
 * each its own connection: one for bulk state (catch-up batches, state offers) and one for everything else, so that
 * heartbeats and acknowledgements do not wait behind a transfer.
 */
public final class Network {
    /** What to do with one message: deliver it after each of these delays (none: dropped). */
    public record Fate(long[] delays) {
    }

    private final SplittableRandom random;
    private final Map<String, Integer> blocked = new HashMap<>(); // "from>to" -> how many partitions cut it
    private final Map<String, Long> busyUntil = new HashMap<>();  // "from>to" -> when its last message is out
    private final double bytesPerMicro;
    private double dropRate;
    private double duplicateRate;
    private long meanDelayMicros;

    public Network(SplittableRandom random, double dropRate, double duplicateRate, long meanDelayMicros,
                   double bytesPerMicro) {
        this.random = random;
        this.bytesPerMicro = bytesPerMicro;
        this.dropRate = dropRate;
        this.duplicateRate = duplicateRate;
        this.meanDelayMicros = meanDelayMicros;
    }

    /** The fate of a message sent at virtual time {@code now}. */
    public Fate fate(String from, String to, Message message, long now) {
        String link = from + ">" + to;
        if (blocked.containsKey(link) || random.nextDouble() < dropRate) {
            return new Fate(new long[0]);
        }
        long sent = transmit(link, message, now) - now;
        if (random.nextDouble() < duplicateRate && !isClientsOwn(message)) {
            long again = transmit(link, message, now) - now;
            return new Fate(new long[] {sent + delay(), again + delay()});
        }
        return new Fate(new long[] {sent + delay()});
    }

    /** Puts the message on its link after what is queued there; returns when its last byte is out. */
    private long transmit(String link, Message message, long now) {
        String lane = Sizes.isBulk(message) ? link + " bulk" : link;
        long start = Math.max(now, busyUntil.getOrDefault(lane, 0L));
        long done = start + (long) (Sizes.of(message) / bytesPerMicro);
        busyUntil.put(lane, done);
        return done;
    }

    /**
     * A client's request as the client sent it, and an operator's view document: never duplicated, as a TCP
     * connection never duplicates an HTTP request. A retry is the sender's own doing, and it knows of it; so a
     * refusal of one copy ("certainly not applied") says what became of it. What nodes send each other (a
     * forwarded request too) may be duplicated.
     */
    private static boolean isClientsOwn(Message message) {
        return message instanceof Message.ClientRequest r && !r.forwarded()
                || message instanceof Message.UnnumberedView;
    }

    /** A delay: exponential around the mean, and one message in fifty is twenty times slower. */
    private long delay() {
        double d = -meanDelayMicros * StrictMath.log(1 - random.nextDouble()); // same on every JVM and CPU
        if (random.nextInt(50) == 0) {
            d *= 20;
        }
        return 50 + (long) d;
    }

    public void block(String from, String to) {
        blocked.merge(from + ">" + to, 1, Integer::sum);
    }

    /** Undoes one {@link #block}: a direction cut by two overlapping partitions opens when both have healed. */
    public void unblock(String from, String to) {
        blocked.computeIfPresent(from + ">" + to, (k, n) -> n == 1 ? null : n - 1);
    }

    public boolean isBlocked(String from, String to) {
        return blocked.containsKey(from + ">" + to);
    }

    public void healAll() {
        blocked.clear();
    }

    /** No more loss or duplication: for the final reads after the faults stop. */
    public void calm() {
        dropRate = 0;
        duplicateRate = 0;
        meanDelayMicros = Math.min(meanDelayMicros, 500);
    }
}
