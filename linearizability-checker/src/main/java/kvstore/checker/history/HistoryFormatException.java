package kvstore.checker.history;

/** A history that cannot be read: names the line (1-based, 0 when built in memory) and the problem. */
public final class HistoryFormatException extends Exception {
    private final int line;
    private final String problem;

    public HistoryFormatException(int line, String problem) {
        super(line > 0 ? "line " + line + ": " + problem : problem);
        this.line = line;
        this.problem = problem;
    }

    public int line() {
        return line;
    }

    public String problem() {
        return problem;
    }
}
