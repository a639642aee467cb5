package kvstore.checker.search;

import java.util.Arrays;

/**
 * The set of (linearized operations, model state) configurations the search has already explored; revisiting
 * one cannot lead anywhere new, which is what makes Wing and Gong's search practical (Lowe's improvement).
 *
 * <p>The linearized set is identified by a 64-bit Zobrist hash (the XOR of a random word per operation, kept up
 * to date as operations are added and removed), and compared exactly on a hash match, so a collision costs time,
 * never correctness. Sets are stored compressed: linearizations advance roughly in call order, so a set is
 * nearly always "every operation below some index, plus a few above it"; we keep the index of the first word
 * that is not all ones and the words from there to the last non-zero one.
 *
 * <p>Operations of unknown outcome done so far are a separate bit mask, compared by inclusion: a configuration
 * is already covered if one with the same set and state but a subset of its unknown operations was seen (see
 * {@link WglSearch}).
 */
final class MemoTable {
    private long[] slotHash;
    private int[] slotEntry; // entry index + 1; 0 marks an empty slot
    private int mask;

    private Object[] states;
    private long[][] tails;
    private int[] offsets;
    private long[][][] masks; // per entry: the unknown-operation masks seen with it
    private int[] maskCounts;
    private int size;
    private int configurations;
    private long bytes;

    // Estimates, in bytes, of what each remembered configuration holds on a 64-bit JVM with compressed pointers:
    // its two hash slots (kept at most half full), its row in the five per-entry arrays (grown by doubling),
    // and the array headers of its set and mask.
    private static final long PER_ENTRY = 2 * (8 + 4) * 2 + (4 + 8 + 4 + 8 + 4) * 2 + 3 * 16;
    private static final long PER_MASK = 16 + 2 * 8; // a mask array, and its slot in a list grown by doubling

    MemoTable() {
        slotHash = new long[1024];
        slotEntry = new int[1024];
        mask = 1023;
        states = new Object[512];
        tails = new long[512][];
        offsets = new int[512];
        masks = new long[512][][];
        maskCounts = new int[512];
    }

    /** How many configurations are remembered. */
    int size() {
        return configurations;
    }

    /** About how much memory the remembered configurations hold, their states included. */
    long bytes() {
        return bytes;
    }

    /**
     * Adds the configuration unless it is already present.
     *
     * @param setHash   the Zobrist hash of {@code bits}
     * @param firstOpen index of the first word of {@code bits} that is not all ones
     * @param lastUsed  index of the last non-zero word of {@code bits} ({@code firstOpen - 1} if none)
     * @param unknownDone the unknown-outcome operations done
     * @param stateBytes about how much memory {@code state} holds, counted if the configuration is new
     * @return whether it was new (not covered by one already seen)
     */
    boolean add(long setHash, long[] bits, int firstOpen, int lastUsed, Object state, long[] unknownDone,
                long stateBytes) {
        long hash = mix(setHash ^ (state.hashCode() * 0x9E3779B97F4A7C15L));
        int slot = (int) hash & mask;
        while (slotEntry[slot] != 0) {
            if (slotHash[slot] == hash) {
                int e = slotEntry[slot] - 1;
                if (offsets[e] == firstOpen && sameTail(tails[e], bits, firstOpen, lastUsed)
                        && states[e].equals(state)) {
                    return addMask(e, unknownDone);
                }
            }
            slot = (slot + 1) & mask;
        }
        if (size == states.length) {
            int capacity = size * 2;
            states = Arrays.copyOf(states, capacity);
            tails = Arrays.copyOf(tails, capacity);
            offsets = Arrays.copyOf(offsets, capacity);
            masks = Arrays.copyOf(masks, capacity);
            maskCounts = Arrays.copyOf(maskCounts, capacity);
        }
        masks[size] = new long[][] {compact(unknownDone)};
        maskCounts[size] = 1;
        configurations++;
        states[size] = state;
        tails[size] = Arrays.copyOfRange(bits, firstOpen, Math.max(firstOpen, lastUsed + 1));
        bytes += PER_ENTRY + 8L * tails[size].length + 8L * masks[size][0].length + stateBytes;
        offsets[size] = firstOpen;
        size++;
        slotHash[slot] = hash;
        slotEntry[slot] = size;
        if (size * 2 > slotEntry.length) {
            grow();
        }
        return true;
    }

    private boolean addMask(int e, long[] unknownDone) {
        long[][] seen = masks[e];
        int count = maskCounts[e];
        for (int i = 0; i < count; i++) {
            if (subset(seen[i], unknownDone)) {
                return false; // seen with a subset of these unknown operations: nothing new to find here
            }
        }
        if (count == seen.length) {
            masks[e] = seen = Arrays.copyOf(seen, count * 2);
        }
        seen[count] = compact(unknownDone);
        maskCounts[e] = count + 1;
        bytes += PER_MASK + 8L * seen[count].length;
        configurations++;
        return true;
    }

    private static boolean subset(long[] small, long[] big) {
        for (int w = 0; w < small.length; w++) {
            if ((small[w] & ~big[w]) != 0) {
                return false;
            }
        }
        return true;
    }

    /** The mask without its trailing zero words (most configurations have done few unknown operations). */
    private static long[] compact(long[] mask) {
        int length = mask.length;
        while (length > 0 && mask[length - 1] == 0) {
            length--;
        }
        return length == 0 ? NONE : Arrays.copyOf(mask, length);
    }

    private static final long[] NONE = new long[0];

    private static boolean sameTail(long[] tail, long[] bits, int firstOpen, int lastUsed) {
        int length = Math.max(0, lastUsed + 1 - firstOpen);
        if (tail.length != length) {
            return false;
        }
        for (int i = 0; i < length; i++) {
            if (tail[i] != bits[firstOpen + i]) {
                return false;
            }
        }
        return true;
    }

    private void grow() {
        long[] oldHash = slotHash;
        int[] oldEntry = slotEntry;
        slotHash = new long[oldHash.length * 2];
        slotEntry = new int[oldEntry.length * 2];
        mask = slotEntry.length - 1;
        for (int i = 0; i < oldEntry.length; i++) {
            if (oldEntry[i] != 0) {
                int slot = (int) oldHash[i] & mask;
                while (slotEntry[slot] != 0) {
                    slot = (slot + 1) & mask;
                }
                slotHash[slot] = oldHash[i];
                slotEntry[slot] = oldEntry[i];
            }
        }
    }

    private static long mix(long z) { // SplitMix64's finalizer: spreads hash bits over the low slot bits
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
