package kvstore.checker;

import java.util.stream.LongStream;

/**
 * Seeds for randomized tests. By default a fixed range, so every run is the same; {@code -Dseed=N} replays one
 * seed, {@code -Dseeds=N} runs more of them.
 */
public final class Seeds {
    private Seeds() {
    }

    public static LongStream range(int defaultCount) {
        String one = System.getProperty("seed");
        if (one != null && !one.isBlank()) {
            return LongStream.of(Long.parseLong(one.trim()));
        }
        String count = System.getProperty("seeds");
        int n = count == null || count.isBlank() ? defaultCount : Integer.parseInt(count.trim());
        return LongStream.rangeClosed(1, n);
    }

    public static String replay(Class<?> test, long seed) {
        return "replay: ./kv test -pl linearizability-checker -Dtest=" + test.getSimpleName() + " -Dseed=" + seed
                + " -Dsurefire.failIfNoSpecifiedTests=false";
    }
}
