package kvstore.node.cli;

import java.util.logging.ConsoleHandler;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogManager;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;

/** One line per log record on standard error, at the level asked for (Helidon logs through java.util.logging). */
final class Logging {
    private Logging() {
    }

    static void configure(String level) {
        Level julLevel = switch (level.toUpperCase(java.util.Locale.ROOT)) {
            case "ERROR" -> Level.SEVERE;
            case "WARNING", "WARN" -> Level.WARNING;
            case "INFO" -> Level.INFO;
            case "DEBUG" -> Level.FINE;
            default -> throw new Args.UsageError("--log-level must be one of " + Args.levels() + ", not '"
                    + level + "'");
        };
        System.setProperty("java.util.logging.SimpleFormatter.format", "%1$tT.%1$tL %4$-7s %3$s: %5$s%6$s%n");
        LogManager.getLogManager().reset();
        Logger root = Logger.getLogger("");
        Handler console = new ConsoleHandler();
        console.setFormatter(new SimpleFormatter());
        console.setLevel(julLevel);
        root.addHandler(console);
        root.setLevel(julLevel);
    }
}
