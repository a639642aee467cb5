package kvstore.sim;

import java.nio.file.Path;

/** How a randomized test reports a failing run: shrunk, written to disk, and replayable from its seed. */
final class Failures {
    private Failures() {
    }

    static String report(SeededRun failing, Class<?> test) {
        SeededRun small = ScheduleShrinker.shrink(failing, 40);
        Path dir = small.writeArtifacts(Path.of("target", "sim-failures"));
        return small.describe() + "\nhistory, event trace and HTML report: " + dir.toAbsolutePath()
                + "\nreplay: ./kv test -pl sim -am -Dtest=" + test.getSimpleName() + " -Dseed=" + failing.seed()
                + " -Dsurefire.failIfNoSpecifiedTests=false"
                + "\n(shrunk from " + failing.schedule().faults().size() + " faults and "
                + failing.config().operations() + " operations to " + small.schedule().faults().size()
                + " and " + small.config().operations() + ")";
    }

    static java.util.stream.LongStream seeds(int defaultCount) {
        String one = System.getProperty("seed");
        if (one != null && !one.isBlank()) {
            return java.util.stream.LongStream.of(Long.parseLong(one.trim()));
        }
        String count = System.getProperty("seeds");
        return java.util.stream.LongStream.rangeClosed(1,
                count == null || count.isBlank() ? defaultCount : Integer.parseInt(count.trim()));
    }
}
