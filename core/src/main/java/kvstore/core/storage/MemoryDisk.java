package kvstore.core.storage;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * A disk in memory with the faults of a real one, for the simulator and the tests; deterministic given the random
 * source its faults are drawn from. It remembers, per file, how much was synced: {@link #crash} keeps only that
 * (and, torn, a random part of what was not yet synced, perhaps followed by garbage, as a write cut in the middle of
 * a sector leaves). {@link #corrupt} flips a bit of durable data (bit rot, a misdirected write), and
 * {@link #makeUnreadable} makes a byte's read fail (a latent sector error). A process that crashes while the machine
 * goes on loses nothing here: what it wrote stays (as in the page cache), synced or not, until {@link #crash}.
 * Torn writes keep a prefix of the unsynced bytes; a disk that persists a later page before an earlier one is not
 * modelled (recovery would take it for corruption, which is safe).
 */
public final class MemoryDisk implements Disk {
    private static final class File {
        byte[] bytes = new byte[0];
        int length;
        int synced;         // bytes durable
        boolean exists;     // its existence is durable (it was synced, replaced, or survived a crash)

        void append(byte[] b) {
            if (length + b.length > bytes.length) {
                bytes = Arrays.copyOf(bytes, Math.max(length + b.length, bytes.length * 2));
            }
            System.arraycopy(b, 0, bytes, length, b.length);
            length += b.length;
        }
    }

    private final TreeMap<String, File> files = new TreeMap<>();
    private final Set<String> unreadable = new HashSet<>(); // "name@offset"
    private long bytesWritten;
    private long syncs;
    private boolean failSyncs;

    @Override
    public List<String> list() {
        return new ArrayList<>(files.keySet());
    }

    @Override
    public long size(String name) {
        File f = files.get(name);
        return f == null ? 0 : f.length;
    }

    @Override
    public byte[] read(String name, long offset, int length) {
        File f = files.get(name);
        if (f == null) {
            throw new DiskException(name, -1, "no such file");
        }
        int end = (int) Math.min(f.length, offset + (long) length);
        for (String bad : unreadable) {
            int at = bad.lastIndexOf('@');
            long o = Long.parseLong(bad.substring(at + 1));
            if (bad.substring(0, at).equals(name) && o >= offset && o < end) {
                throw new DiskException(name, o, "unreadable sector");
            }
        }
        return Arrays.copyOfRange(f.bytes, (int) Math.min(offset, f.length), end);
    }

    @Override
    public void append(String name, byte[] bytes) {
        files.computeIfAbsent(name, n -> new File()).append(bytes);
        bytesWritten += bytes.length;
    }

    @Override
    public void sync(String name) {
        if (failSyncs) {
            throw new DiskException(name, -1, "fsync failed (EIO)");
        }
        File f = files.get(name);
        if (f != null) {
            f.synced = f.length;
            f.exists = true;
            syncs++;
        }
    }

    /** What every file holds now: a sync that begins now covers this much ({@link #syncWritten}), no more. */
    public Written written() {
        java.util.IdentityHashMap<Object, Integer> lengths = new java.util.IdentityHashMap<>();
        files.values().forEach(f -> lengths.put(f, f.length));
        return new Written(lengths);
    }

    /** The files' contents at one moment (see {@link #written}). */
    public record Written(java.util.Map<Object, Integer> lengths) {
    }

    /**
     * Completes a sync that began at {@code then}: what each file held then is durable (not what was appended
     * since, as a real fsync that began earlier need not cover it); files deleted or replaced since are left alone.
     */
    public void syncWritten(Written then) {
        if (failSyncs) {
            throw new DiskException("(every file)", -1, "fsync failed (EIO)");
        }
        for (File f : files.values()) {
            Integer length = then.lengths().get(f);
            if (length != null) {
                f.synced = Math.max(f.synced, Math.min(length, f.length));
                f.exists = true;
                syncs++;
            }
        }
    }

    @Override
    public void truncate(String name, long length) {
        File f = files.get(name);
        if (f != null && length < f.length) {
            f.length = (int) length;
            f.synced = Math.min(f.synced, f.length);
            syncs++;
        }
    }

    @Override
    public void replace(String name, byte[] bytes) {
        forgetUnreadable(name); // a new file: new sectors
        File f = new File();
        f.append(bytes);
        f.synced = f.length;
        f.exists = true;
        files.put(name, f);
        bytesWritten += bytes.length;
        syncs += 2;
    }

    @Override
    public void delete(String name) {
        files.remove(name);
        forgetUnreadable(name);
    }

    private void forgetUnreadable(String name) {
        unreadable.removeIf(u -> u.substring(0, u.lastIndexOf('@')).equals(name));
    }

    /**
     * The machine loses power: every file keeps what was synced; a file never synced is gone. With {@code torn},
     * each file also keeps a random part of its unsynced bytes, and perhaps a few bytes of garbage after them; or
     * all of them, their last part zeros (the file's length reached the disk, some of its data did not).
     */
    public void crash(SplittableRandom random, boolean torn) {
        files.values().removeIf(f -> !f.exists);
        for (File f : files.values()) {
            int unsynced = f.length - f.synced;
            if (torn && unsynced > 0 && random.nextInt(3) == 0) {
                int zeros = 1 + random.nextInt(unsynced);
                Arrays.fill(f.bytes, f.length - zeros, f.length, (byte) 0);
                f.synced = f.length;
                continue;
            }
            int kept = torn && unsynced > 0 ? random.nextInt(unsynced + 1) : 0;
            f.length = f.synced + kept;
            if (torn && unsynced > 0 && random.nextInt(4) == 0) {
                byte[] garbage = new byte[1 + random.nextInt(16)];
                for (int i = 0; i < garbage.length; i++) {
                    garbage[i] = (byte) random.nextInt(256);
                }
                f.append(garbage);
            }
            f.synced = f.length; // what survived a crash is what the disk holds now
        }
    }

    /** The length of every file, by name: where a fault may land. */
    public java.util.Map<String, Integer> lengths() {
        java.util.Map<String, Integer> out = new TreeMap<>();
        files.forEach((name, f) -> out.put(name, f.length));
        return out;
    }

    /** Flips one bit of {@code name} at {@code offset}, as bit rot would. */
    public void corrupt(String name, long offset, int bit) {
        File f = files.get(name);
        if (f == null || offset >= f.length) {
            throw new IllegalArgumentException(name + " has no byte at " + offset);
        }
        f.bytes[(int) offset] ^= (byte) (1 << bit);
    }

    /** From now on, every sync fails (true) or works again (false): an I/O error on write-back. */
    public void failSyncs(boolean fail) {
        failSyncs = fail;
    }

    /** From now on, a read covering {@code offset} of {@code name} fails. */
    public void makeUnreadable(String name, long offset) {
        unreadable.add(name + "@" + offset);
    }

    /** Bytes written so far (appends and replaced files): what the disk was asked to carry. */
    public long bytesWritten() {
        return bytesWritten;
    }

    /** Syncs done so far (a replace counts two: the file's and the directory's). */
    public long syncs() {
        return syncs;
    }

    /** The bytes of {@code name} not yet synced. */
    public long unsynced(String name) {
        File f = files.get(name);
        return f == null ? 0 : f.length - f.synced;
    }
}
