package kvstore.client;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * How long to wait before the next attempt: a cap that doubles from {@code first} up to {@code max}, and a random
 * wait between half the cap and all of it, so that clients refused together do not come back together.
 */
record Backoff(Duration first, Duration max) {
    Backoff {
        if (first.isNegative() || first.isZero() || max.compareTo(first) < 0) {
            throw new IllegalArgumentException("backoff needs 0 < first <= max, not " + first + " and " + max);
        }
    }

    /** The wait after failed attempt {@code attempt} (1 for the first), in nanoseconds. */
    long nanosAfter(int attempt) {
        long cap = first.toNanos() << Math.min(attempt - 1, 30);
        if (cap <= 0 || cap > max.toNanos()) {
            cap = max.toNanos();
        }
        return ThreadLocalRandom.current().nextLong(cap / 2, cap + 1);
    }
}
