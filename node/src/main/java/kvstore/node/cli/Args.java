package kvstore.node.cli;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** "--name value" and "--flag" arguments, checked against what a command accepts. */
final class Args {
    private final Map<String, String> values = new HashMap<>();

    Args(String[] args, Set<String> withValue, Set<String> flags) {
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

    String get(String name, String fallback) {
        return values.getOrDefault(name, fallback);
    }

    boolean has(String name) {
        return values.containsKey(name);
    }

    long positive(String name, String fallback) {
        String v = get(name, fallback);
        if (v == null) {
            throw new UsageError(name + " is required");
        }
        try {
            long n = Long.parseLong(v.trim());
            if (n > 0) {
                return n;
            }
        } catch (NumberFormatException e) {
            // below
        }
        throw new UsageError(name + " must be a positive integer, not '" + v + "'");
    }

    int port(String name, String fallback) {
        long p = positive(name, fallback);
        if (p > 65535) {
            throw new UsageError(name + " must be a port number (1-65535), not " + p);
        }
        return (int) p;
    }

    static final class UsageError extends RuntimeException {
        UsageError(String message) {
            super(message, null, false, false);
        }
    }

    static List<String> levels() {
        return List.of("ERROR", "WARNING", "INFO", "DEBUG");
    }
}
