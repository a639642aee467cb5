package kvstore.sim.network;

import kvstore.node.core.Message;

import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The simulated network between endpoints: it decides, from the run's random source, whether and when each
 * message arrives. Faults: drop, delay with a long tail (which also reorders), duplication, and partitions
 * (any grouping, also one-way) that block a direction until healed.
 */
public final class Network {
    /** What to do with one message: deliver it after each of these delays (none: dropped). */
    public record Fate(long[] delays) {
    }

    private final SplittableRandom random;
    private final Map<String, Integer> blocked = new HashMap<>(); // "from>to" -> how many partitions cut it
    private double dropRate;
    private double duplicateRate;
    private long meanDelayMicros;

    public Network(SplittableRandom random, double dropRate, double duplicateRate, long meanDelayMicros) {
        this.random = random;
        this.dropRate = dropRate;
        this.duplicateRate = duplicateRate;
        this.meanDelayMicros = meanDelayMicros;
    }

    public Fate fate(String from, String to, Message message) {
        if (blocked.containsKey(from + ">" + to) || random.nextDouble() < dropRate) {
            return new Fate(new long[0]);
        }
        if (random.nextDouble() < duplicateRate && !isClientsOwn(message)) {
            return new Fate(new long[] {delay(), delay()});
        }
        return new Fate(new long[] {delay()});
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
