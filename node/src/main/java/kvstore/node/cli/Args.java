package kvstore.node.cli;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * "--name value" and "--flag" arguments, checked against what a command accepts. Every command line of the project
 * uses it (the node's, and the harness's and load generator's in jepsen/); a bad argument is a {@link UsageError}.
 */
public final class Args {
    private final Map<String, String> values = new HashMap<>();

    public Args(String[] args, Set<String> withValue, Set<String> flags) {
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (flags.contains(a)) {
                values.put(a, "true");
            } else if (withValue.contains(a)) {
                if (i + 1 >= args.length) {
                    throw new UsageError(a + " needs a value");
                }
                values.put(a, args[++i]);
            } else {
                throw new UsageError("unknown argument '" + a + "'");
            }
        }
    }

    public String get(String name, String fallback) {
        return values.getOrDefault(name, fallback);
    }

    public boolean has(String name) {
        return values.containsKey(name);
    }

    public long positive(String name, String fallback) {
        return atLeast(name, fallback, 1);
    }

    /** An integer of at least {@code min}; {@code fallback} when absent (null: the argument is required). */
    public long atLeast(String name, String fallback, long min) {
        String v = get(name, fallback);
        if (v == null) {
            throw new UsageError(name + " is required");
        }
        try {
            long n = Long.parseLong(v.trim());
            if (n >= min) {
                return n;
            }
        } catch (NumberFormatException e) {
            // below
        }
        String what = min == 1 ? "a positive integer" : min == Long.MIN_VALUE ? "an integer"
                : "an integer of at least " + min;
        throw new UsageError(name + " must be " + what + ", not '" + v + "'");
    }

    /** A positive number of seconds, fractions allowed. */
    public double seconds(String name, String fallback) {
        String v = get(name, fallback);
        if (v == null) {
            throw new UsageError(name + " is required");
        }
        try {
            double s = Double.parseDouble(v.trim());
            if (s > 0) {
                return s;
            }
        } catch (NumberFormatException e) {
            // below
        }
        throw new UsageError(name + " must be a positive number of seconds, not '" + v + "'");
    }

    int port(String name, String fallback) {
        long p = positive(name, fallback);
        if (p > 65535) {
            throw new UsageError(name + " must be a port number (1-65535), not " + p);
        }
        return (int) p;
    }

    public static final class UsageError extends RuntimeException {
        public UsageError(String message) {
            super(message, null, false, false);
        }
    }

    static List<String> levels() {
        return List.of("ERROR", "WARNING", "INFO", "DEBUG");
    }
}
