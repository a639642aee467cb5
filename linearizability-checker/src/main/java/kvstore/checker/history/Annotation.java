package kvstore.checker.history;

/**
 * Something that happened during the run but is not a client operation, such as a nemesis event
 * (Jepsen's {@code :process :nemesis}). Kept for display on the timeline; never checked.
 *
 * @param position the number of operation events before it
 */
public record Annotation(int position, int line, String text) {
}
