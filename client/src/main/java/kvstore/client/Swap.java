package kvstore.client;

/**
 * The answer to a compare-and-set.
 *
 * @param swapped  the key held the expected value, and now holds the new one
 * @param current  the key's value now: the new value if swapped, else the one found (null: absent)
 * @param position the operation's place in the primary's total order, swapped or not
 */
public record Swap(boolean swapped, String current, long position) {
}
