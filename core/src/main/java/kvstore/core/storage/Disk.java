package kvstore.core.storage;

import java.util.List;

/**
 * One directory of files, as the write-ahead log and the snapshots use it: the seam between the storage logic,
 * which is the same everywhere, and a disk. Production implements it on {@code FileChannel}s; the simulator and the
 * tests on memory, with the faults a disk has (writes not yet synced lost in a crash, a torn last write, a
 * corrupted or unreadable record).
 *
 * <p>The contract is the one POSIX gives a careful program: bytes appended are durable only once {@link #sync}
 * of their file has returned; {@link #replace} is atomic and durable when it returns (a crash leaves the old
 * content or the new, never a mix); {@link #delete} is durable when it returns. A disk that cannot do what is
 * asked throws {@link DiskException}, naming the file and the offset.
 */
public interface Disk {
    /** The names of the files in the directory, sorted. */
    List<String> list();

    /** The length of {@code name} as written so far (synced or not); 0 if it does not exist. */
    long size(String name);

    /** Up to {@code length} bytes of {@code name} from {@code offset}; fewer at the end of the file. */
    byte[] read(String name, long offset, int length);

    /** Appends to {@code name}, creating it if needed; not durable until {@link #sync}. */
    void append(String name, byte[] bytes);

    /** Makes every byte appended to {@code name} so far durable, and the file's existence with it. */
    void sync(String name);

    /** Cuts {@code name} to {@code length} bytes, durably (the torn tail of a log is cut before it is appended to). */
    void truncate(String name, long length);

    /** Replaces the whole content of {@code name} atomically and durably (write aside, sync, rename, sync). */
    void replace(String name, byte[] bytes);

    /** Removes {@code name}, durably; nothing happens if it does not exist. */
    void delete(String name);
}
