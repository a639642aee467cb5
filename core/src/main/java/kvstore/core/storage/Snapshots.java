package kvstore.core.storage;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Snapshot files ({@code snapshot-<n>.snap}): each the state that the log's records before number {@code n} built,
 * written whole and atomically, one {@link Frame} whose number is {@code n}. The newest two are kept, so that a
 * snapshot found corrupt still leaves the one before it (the log is kept back to that one, see {@link #keepLogFrom}).
 */
public final class Snapshots {
    /** A snapshot: the state before record {@code upTo}. */
    public record Snapshot(long upTo, byte[] payload) {
    }

    private static final String PREFIX = "snapshot-";
    private static final String SUFFIX = ".snap";
    private static final int KEPT = 2;

    private final Disk disk;

    public Snapshots(Disk disk) {
        this.disk = disk;
    }

    static String name(long upTo) {
        return String.format(java.util.Locale.ROOT, "%s%020d%s", PREFIX, upTo, SUFFIX);
    }

    /** Whether a data directory's file is a snapshot. */
    public static boolean isSnapshot(String name) {
        return name.startsWith(PREFIX) && name.endsWith(SUFFIX)
                && name.length() == PREFIX.length() + 20 + SUFFIX.length()
                && name.substring(PREFIX.length(), PREFIX.length() + 20).chars().allMatch(Character::isDigit);
    }

    private List<Long> onDisk() {
        List<Long> found = new ArrayList<>();
        for (String name : disk.list()) { // sorted, and the numbers are zero-padded: oldest first
            if (isSnapshot(name)) {
                try {
                    found.add(Long.parseLong(name.substring(PREFIX.length(), PREFIX.length() + 20)));
                } catch (NumberFormatException e) {
                    // twenty digits past a long: not ours
                }
            }
        }
        return found;
    }

    /** Writes a snapshot durably and deletes all but the newest {@value #KEPT}. */
    public void write(long upTo, byte[] payload) {
        disk.replace(name(upTo), Frame.encode(upTo, payload));
        List<Long> all = onDisk();
        for (int i = 0; i + KEPT < all.size(); i++) {
            disk.delete(name(all.get(i)));
        }
    }

    /**
     * The newest snapshot that proves itself (checksum, and the number in its name); an older one if the newest
     * does not; empty if there is none. Those that fail are left where they are: the caller decides, once it has
     * proved the rest, whether to {@link #discard} them (a refusal must hold at the next start too, and an operator
     * may want to look at them).
     *
     * @param problems receives a line for each snapshot passed over, naming it and why
     * @param bad      receives the file name of each snapshot passed over
     */
    public Optional<Snapshot> newest(List<String> problems, List<String> bad) {
        List<Long> all = onDisk();
        for (int i = all.size() - 1; i >= 0; i--) {
            String name = name(all.get(i));
            byte[] bytes;
            try {
                bytes = disk.read(name, 0, (int) Math.min(disk.size(name), Integer.MAX_VALUE - 16));
            } catch (DiskException e) {
                // Not deleted: the error may pass (too many open files, a permission), and the snapshot may be the
                // only copy of what it holds. The node does not start until it can be read or is moved aside.
                throw new CorruptStorage(name, 0, "cannot be read: " + e.getMessage());
            }
            Frame.Read r = Frame.decode(bytes, 0, 0);
            if (r instanceof Frame.Valid v && v.lsn() == all.get(i) && v.next() == bytes.length) {
                return Optional.of(new Snapshot(v.lsn(), v.payload()));
            }
            problems.add(name + ": " + switch (r) {
                case Frame.Valid v -> "holds the snapshot before record " + v.lsn() + " or trailing bytes";
                case Frame.Cut c -> "cut short";
                case Frame.Bad b -> b.why();
            });
            bad.add(name);
        }
        return Optional.empty();
    }

    /**
     * Deletes snapshots found bad, once the state has been proved without them: so that they never count among the
     * two kept (keeping a bad one would let the next write delete the last good one).
     */
    public void discard(List<String> bad) {
        bad.forEach(disk::delete);
    }

    /** The number of the newest snapshot file, whether or not it proves itself (0: none). */
    public long newestOnDisk() {
        List<Long> all = onDisk();
        return all.isEmpty() ? 0 : all.getLast();
    }

    /**
     * The oldest record the log must keep: the one the oldest kept snapshot starts from, so that either snapshot
     * plus the log rebuilds the state (0 while fewer than {@value #KEPT} snapshots exist).
     */
    public long keepLogFrom() {
        List<Long> all = onDisk();
        return all.size() < KEPT ? 0 : all.get(all.size() - KEPT);
    }
}
