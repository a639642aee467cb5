package kvstore.client;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * How long to wait before the next attempt: a cap that doubles from {@code first} up to {@code max}, and a random
 * wait between half the cap and all of it, so that clients refused together do not come back together.
 */
record Backoff(Duration first, Duration max) {
    private static final Duration LONGEST = Duration.ofHours(1);

    Backoff {
        if (first.isNegative() || first.isZero() || max.compareTo(first) < 0 || max.compareTo(LONGEST) > 0) {
            throw new IllegalArgumentException("backoff needs 0 < first <= max <= 1 h, not " + first + " and "
                    + max);
        }
    }

    /** The wait after failed attempt {@code attempt} (1 for the first), in nanoseconds. */
    long nanosAfter(int attempt) {
        // Doubled as a double: a long shifted far enough wraps around to a small wait.
        long cap = (long) Math.min(max.toNanos(), first.toNanos() * Math.pow(2, Math.min(attempt - 1, 62)));
        return ThreadLocalRandom.current().nextLong(cap / 2, cap + 1);
    }
}
