package kvstore.client;

/**
 * An acknowledged write: replicated to every member of the view before the answer.
 *
 * @param created  the key was absent before
 * @param position the write's place in the primary's total order ({@code Msg-Num}); the first answer's position
 *                 even when a retry was answered from the record
 */
public record Write(boolean created, long position) {
}
