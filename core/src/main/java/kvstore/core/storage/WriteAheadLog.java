package kvstore.core.storage;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * A write-ahead log of opaque records in segment files ({@code wal-<first record's number>.log}), each record framed
 * with its number and a CRC32C ({@link Frame}). Records are numbered from 0 without gaps; a segment is closed once it
 * passes {@code segmentBytes} and the next record starts a new one.
 *
 * <p>Recovery ({@link #open}) reads every record from a given number on and proves the log: records in order,
 * every checksum good, no segment missing. The one thing it forgives is a torn tail, the incomplete or garbled last
 * write of the last segment that a crash before its sync leaves; it is cut off, since nobody was told it was
 * durable. A bad record followed by a valid later one is not a torn write (the bad one was complete once, and may
 * have been acknowledged): that is {@link CorruptStorage}, naming the file and offset, and so is any bad record in an
 * earlier segment.
 *
 * <p>What this cannot tell apart: a bit flipped in the last record of a log, with nothing after it, looks like a torn
 * write and is cut. A record after it would prove it was once whole; the one after the last does not exist yet.
 *
 * <p>A segment is synced before the next one is begun, so that only the last segment can end in a torn write. A
 * sync that fails leaves the log refusing everything until it is opened again: after a failed {@code fsync} the
 * kernel may have dropped the pages it could not write, and a second {@code fsync} would report success for them.
 *
 * <p>Not thread-safe; the host's storage thread (or the simulator) owns it.
 */
public final class WriteAheadLog {
    public record Record(long lsn, byte[] payload) {
    }

    private static final String PREFIX = "wal-";
    private static final String SUFFIX = ".log";

    private final Disk disk;
    private final long segmentBytes;
    private final TreeMap<Long, String> segments; // by the number of their first record
    private long currentSize;
    private long next; // the number of the next record
    private final Set<String> unsynced = new LinkedHashSet<>();
    private DiskException failed; // a sync failed: nothing more is done (see the class doc)

    private WriteAheadLog(Disk disk, long segmentBytes, TreeMap<Long, String> segments, long currentSize, long next) {
        this.disk = disk;
        this.segmentBytes = segmentBytes;
        this.segments = segments;
        this.currentSize = currentSize;
        this.next = next;
    }

    static String segmentName(long firstLsn) {
        return String.format(java.util.Locale.ROOT, "%s%020d%s", PREFIX, firstLsn, SUFFIX);
    }

    /** Whether a data directory's file is a segment of the log. */
    public static boolean isSegment(String name) {
        return name.startsWith(PREFIX) && name.endsWith(SUFFIX)
                && name.length() == PREFIX.length() + 20 + SUFFIX.length()
                && name.substring(PREFIX.length(), PREFIX.length() + 20).chars().allMatch(Character::isDigit);
    }

    private static long firstLsnOf(String segment) {
        return Long.parseLong(segment.substring(PREFIX.length(), PREFIX.length() + 20));
    }

    /**
     * Opens the log in {@code disk}: hands every record numbered {@code from} or later to {@code visitor}, in order,
     * cuts a torn tail, and returns the log ready to append after the last record (or at {@code from}, if the log
     * ends before it: a snapshot covers everything before {@code from}).
     *
     * @throws CorruptStorage if the log cannot be proved from {@code from} on
     */
    public static WriteAheadLog open(Disk disk, long segmentBytes, long from, Consumer<Record> visitor) {
        return open(disk, segmentBytes, from, visitor, false);
    }

    /** @param replayTorn the planted bug REPLAY_TORN_RECORD: a bad last record is replayed, not cut */
    static WriteAheadLog open(Disk disk, long segmentBytes, long from, Consumer<Record> visitor,
                              boolean replayTorn) {
        TreeMap<Long, String> segments = new TreeMap<>();
        for (String name : disk.list()) {
            if (isSegment(name)) {
                segments.put(firstLsnOf(name), name);
            }
        }
        // Segments wholly before `from` are not read: the snapshot stands for them.
        Long start = segments.floorKey(from);
        Map<Long, String> toRead = start == null ? segments : segments.tailMap(start, true);
        if (start == null && !segments.isEmpty()) {
            String first = segments.firstEntry().getValue();
            throw new CorruptStorage(first, 0, "the log starts at record " + segments.firstKey()
                    + ", but nothing covers the records from " + from + " before it");
        }
        long expected = start == null ? from : start;
        long lastSize = 0;
        String last = toRead.isEmpty() ? null : segments.lastEntry().getValue();
        for (Map.Entry<Long, String> e : toRead.entrySet()) {
            String name = e.getValue();
            if (e.getKey() != expected) {
                throw new CorruptStorage(name, 0, "the segment starts at record " + e.getKey() + ", expected "
                        + expected + " (a segment is missing)");
            }
            byte[] bytes = readWhole(disk, name);
            int at = 0;
            while (at < bytes.length) {
                Frame.Read r = Frame.decode(bytes, at, 0);
                if (r instanceof Frame.Valid v && v.lsn() == expected) {
                    if (v.lsn() >= from) {
                        visitor.accept(new Record(v.lsn(), v.payload()));
                    }
                    expected++;
                    at = (int) v.next();
                    continue;
                }
                String why = switch (r) {
                    case Frame.Valid v -> "record " + v.lsn() + " where record " + expected + " belongs";
                    case Frame.Cut c -> "a record cut short";
                    case Frame.Bad b -> b.why();
                };
                if (!name.equals(last) || r instanceof Frame.Valid || validRecordAfter(bytes, at + 1, expected)) {
                    throw new CorruptStorage(name, at, why + " (record " + expected + ")");
                }
                if (replayTorn && r instanceof Frame.Bad && at + Frame.HEADER <= bytes.length) {
                    int length = java.nio.ByteBuffer.wrap(bytes, at, 4).getInt();
                    if (length >= 0 && at + Frame.HEADER + (long) length <= bytes.length) {
                        visitor.accept(new Record(expected, java.util.Arrays.copyOfRange(bytes, at + Frame.HEADER,
                                at + Frame.HEADER + length)));
                        expected++;
                        at += Frame.HEADER + length;
                        continue;
                    }
                }
                disk.truncate(name, at); // a torn tail: never synced, so never acknowledged
                bytes = java.util.Arrays.copyOf(bytes, at);
            }
            lastSize = bytes.length;
        }
        if (expected < from) {
            throw new CorruptStorage(last == null ? "(no segment)" : last, lastSize, "the log ends at record "
                    + expected + ", before the snapshot's " + from);
        }
        if (last != null) {
            // What a previous process wrote but did not sync may still be only in the page cache: it was read
            // back as valid, so it must be durable before anything is built on it.
            disk.sync(last);
        }
        return new WriteAheadLog(disk, segmentBytes, segments, lastSize, expected);
    }

    /** Whether a valid record numbered {@code expected} or later starts anywhere from {@code from} on. */
    private static boolean validRecordAfter(byte[] bytes, int from, long expected) {
        long maxLsn = expected + bytes.length / Frame.HEADER; // a record takes at least a header
        for (int at = from; at + Frame.HEADER <= bytes.length; at++) {
            long lsn = java.nio.ByteBuffer.wrap(bytes, at + 4, 8).getLong();
            if (lsn >= expected && lsn <= maxLsn && Frame.decode(bytes, at, 0) instanceof Frame.Valid) {
                return true;
            }
        }
        return false;
    }

    private static byte[] readWhole(Disk disk, String name) {
        long size = disk.size(name);
        if (size > Integer.MAX_VALUE - 16) {
            throw new CorruptStorage(name, 0, "a segment of " + size + " bytes");
        }
        try {
            return disk.read(name, 0, (int) size);
        } catch (DiskException e) {
            throw new CorruptStorage(name, Math.max(e.offset(), 0), "unreadable: " + e.getMessage());
        }
    }

    /** Appends a record (not durable until {@link #sync}); returns its number. */
    public long append(byte[] payload) {
        usable();
        if (segments.isEmpty() || currentSize >= segmentBytes) {
            if (!segments.isEmpty()) {
                sync(); // only the last segment may end torn
            }
            segments.put(next, segmentName(next));
            currentSize = 0;
        }
        String current = segments.lastEntry().getValue();
        byte[] frame = Frame.encode(next, payload);
        disk.append(current, frame);
        unsynced.add(current);
        currentSize += frame.length;
        return next++;
    }

    /** Makes every record appended so far durable: the group commit's one sync (two when a segment was closed). */
    public void sync() {
        usable();
        try {
            for (String name : unsynced) {
                disk.sync(name);
            }
        } catch (DiskException e) {
            failed = e;
            throw e;
        }
        unsynced.clear();
    }

    private void usable() {
        if (failed != null) {
            throw new IllegalStateException("a sync failed (" + failed.getMessage() + "): the log must be opened"
                    + " again, which reads back what is really on the disk", failed);
        }
    }

    /** The number the next record will get. */
    public long next() {
        return next;
    }

    /** The number of the oldest record still in the log (equal to {@link #next()} when it holds none). */
    public long first() {
        return segments.isEmpty() ? next : segments.firstKey();
    }

    /**
     * Deletes the segments that hold only records before {@code lsn} (a snapshot covers them). The segment being
     * appended to is kept whatever it holds.
     */
    public void truncateBefore(long lsn) {
        usable();
        List<Long> starts = new ArrayList<>(segments.keySet());
        for (int i = 0; i + 1 < starts.size() && starts.get(i + 1) <= lsn; i++) {
            String name = segments.remove(starts.get(i));
            unsynced.remove(name);
            disk.delete(name);
        }
    }
}
