package kvstore.node.storage;

import kvstore.core.storage.Disk;
import kvstore.core.storage.DiskException;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The node's data directory as a {@link Disk}, on {@link FileChannel}s. A sync is {@code fdatasync} of the file
 * ({@code force(false)}: data and length; Linux), and {@code fsync} of the directory at this instance's first sync of
 * each file, so that the file's name survives a crash too; a replace writes a temporary file, syncs it, renames it
 * over the old one atomically and syncs the directory. Append channels stay open. Appends are gathered in memory
 * and written with one system call when the file is next synced, read, measured or cut (or past
 * {@link #GATHER_LIMIT}): the storage thread appends a record at a time and syncs once per group, and a write per
 * record cost a system call each. What was appended but not synced may be lost in a crash either way. Not
 * thread-safe: the storage thread owns it.
 */
public final class FileDisk implements Disk, AutoCloseable {
    private static final String TEMPORARY = ".tmp";
    private static final String LOCK = ".lock";

    private final Path dir;
    private final Map<String, FileChannel> open = new HashMap<>();
    // Files synced by this instance: the first sync of each also syncs the directory, since a file created by an
    // earlier process that died before its sync may have a name that is not durable yet.
    private final Set<String> synced = new HashSet<>();
    private final FileChannel lockFile;
    /** Appended, not yet written, by file. */
    private final Map<String, java.io.ByteArrayOutputStream> gathered = new HashMap<>();
    static final int GATHER_LIMIT = 1 << 20;

    /**
     * Opens (creating it if need be) a data directory that no other process uses: two nodes writing one log would
     * interleave their records, so the second is refused.
     */
    public FileDisk(Path dir) {
        this.dir = dir;
        try {
            Files.createDirectories(dir);
            lockFile = FileChannel.open(dir.resolve(LOCK), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            java.nio.channels.FileLock lock;
            try {
                lock = lockFile.tryLock();
            } catch (java.nio.channels.OverlappingFileLockException e) {
                lock = null; // this process holds it already
            }
            if (lock == null) {
                lockFile.close();
                throw new DiskException(dir.toString(), -1, "another process uses this data directory");
            }
            try (Stream<Path> leftovers = Files.list(dir)) { // a replace a crash interrupted
                for (Path p : leftovers.filter(p -> p.getFileName().toString().endsWith(TEMPORARY)).toList()) {
                    Files.delete(p);
                }
            }
            syncDirectory(); // the removals, and the directory itself if it was just made
            Path parent = dir.toAbsolutePath().getParent();
            if (parent != null) {
                try (FileChannel d = FileChannel.open(parent, StandardOpenOption.READ)) {
                    d.force(true);
                } catch (IOException e) {
                    // a parent we may not open (or Windows): the directory existed before us, or we cannot help it
                }
            }
        } catch (IOException e) {
            throw new DiskException(dir.toString(), -1, "cannot open the data directory: " + e, e);
        }
    }

    public Path dir() {
        return dir;
    }

    private Path path(String name) {
        if (name.isEmpty() || name.contains("/") || name.contains("\\") || name.startsWith(".")) {
            throw new IllegalArgumentException("not a file name of the data directory: " + name);
        }
        return dir.resolve(name);
    }

    @Override
    public List<String> list() {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).filter(n -> !n.endsWith(TEMPORARY) && !n.equals(LOCK))
                    .sorted().toList();
        } catch (IOException e) {
            throw new DiskException(dir.toString(), -1, "cannot list: " + e, e);
        }
    }

    @Override
    public long size(String name) {
        try {
            writeGathered(name);
            FileChannel c = open.get(name);
            return c != null ? c.size() : Files.exists(path(name)) ? Files.size(path(name)) : 0;
        } catch (IOException e) {
            throw new DiskException(name, -1, "cannot stat: " + e, e);
        }
    }

    @Override
    public byte[] read(String name, long offset, int length) {
        writeGathered(name);
        try (FileChannel c = FileChannel.open(path(name), StandardOpenOption.READ)) {
            long end = Math.min(c.size(), offset + (long) length);
            ByteBuffer b = ByteBuffer.allocate((int) Math.max(0, end - offset));
            long at = offset;
            while (b.hasRemaining()) {
                int n = c.read(b, at);
                if (n < 0) {
                    break;
                }
                at += n;
            }
            return b.flip().remaining() == b.capacity() ? b.array() : java.util.Arrays.copyOf(b.array(), b.limit());
        } catch (NoSuchFileException e) {
            throw new DiskException(name, -1, "no such file");
        } catch (IOException e) {
            throw new DiskException(name, offset, "cannot read: " + e, e);
        }
    }

    private FileChannel channel(String name) throws IOException {
        FileChannel c = open.get(name);
        if (c == null) {
            c = FileChannel.open(path(name), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            try {
                c.position(c.size());
            } catch (IOException e) {
                c.close();
                throw e;
            }
            open.put(name, c);
        }
        return c;
    }

    @Override
    public void append(String name, byte[] bytes) {
        try {
            channel(name); // the file exists from its first append, as without gathering
        } catch (IOException e) {
            throw new DiskException(name, -1, "cannot append: " + e, e);
        }
        java.io.ByteArrayOutputStream g = gathered.computeIfAbsent(name, k -> new java.io.ByteArrayOutputStream());
        g.writeBytes(bytes);
        if (g.size() >= GATHER_LIMIT) {
            writeGathered(name);
        }
    }

    /** Writes what was appended to {@code name} and not yet written. */
    private void writeGathered(String name) {
        java.io.ByteArrayOutputStream g = gathered.remove(name);
        if (g == null || g.size() == 0) {
            return;
        }
        try {
            FileChannel c = channel(name);
            ByteBuffer b = ByteBuffer.wrap(g.toByteArray());
            while (b.hasRemaining()) {
                c.write(b);
            }
        } catch (IOException e) {
            throw new DiskException(name, -1, "cannot append: " + e, e);
        }
    }

    @Override
    public void sync(String name) {
        writeGathered(name);
        try {
            if (!open.containsKey(name) && !Files.exists(path(name))) {
                return;
            }
            // fdatasync on Linux: the content and the length it reaches, without the times (the length is
            // "needed to retrieve the data"), as etcd and PostgreSQL sync their logs.
            channel(name).force(false);
            if (synced.add(name)) {
                syncDirectory();
            }
        } catch (IOException e) {
            throw new DiskException(name, -1, "cannot sync: " + e, e);
        }
    }

    @Override
    public void truncate(String name, long length) {
        writeGathered(name);
        try {
            FileChannel c = channel(name);
            c.truncate(length);
            c.position(c.size()); // not `length`: past the end, that would leave a hole at the next append
            c.force(true);
        } catch (IOException e) {
            throw new DiskException(name, length, "cannot truncate: " + e, e);
        }
    }

    @Override
    public void replace(String name, byte[] bytes) {
        Path target = path(name);
        Path temporary = dir.resolve("." + name + TEMPORARY);
        try {
            gathered.remove(name); // the file is replaced whole: what was appended to the old one goes with it
            closeChannel(name);
            try (FileChannel c = FileChannel.open(temporary, StandardOpenOption.CREATE,
                    StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
                ByteBuffer b = ByteBuffer.wrap(bytes);
                while (b.hasRemaining()) {
                    c.write(b);
                }
                c.force(true);
            }
            try {
                Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                throw new DiskException(name, -1, "the file system cannot rename atomically", e);
            }
            synced.add(name);
            syncDirectory();
        } catch (IOException e) {
            throw new DiskException(name, -1, "cannot replace: " + e, e);
        }
    }

    @Override
    public void delete(String name) {
        try {
            gathered.remove(name);
            closeChannel(name);
            synced.remove(name);
            if (Files.deleteIfExists(path(name))) {
                syncDirectory();
            }
        } catch (IOException e) {
            throw new DiskException(name, -1, "cannot delete: " + e, e);
        }
    }

    private void closeChannel(String name) throws IOException {
        FileChannel c = open.remove(name);
        if (c != null) {
            c.close();
        }
    }

    /** fsync of the directory: makes a file's creation, rename or removal durable (Linux; elsewhere a no-op). */
    private void syncDirectory() throws IOException {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException e) {
            if (!System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT).contains("win")) {
                throw e;
            }
        }
    }

    @Override
    public void close() {
        for (String name : new ArrayList<>(gathered.keySet())) {
            try {
                writeGathered(name); // to the page cache, as an unsynced append would have been
            } catch (DiskException e) {
                // closing after the last sync: what was not synced may be lost anyway
            }
        }
        for (FileChannel c : new ArrayList<>(open.values())) {
            try {
                c.close();
            } catch (IOException e) {
                // closing after the last sync: nothing left to lose
            }
        }
        open.clear();
        try {
            lockFile.close(); // and the lock with it
        } catch (IOException e) {
            // the process is letting go of the directory either way
        }
    }
}
