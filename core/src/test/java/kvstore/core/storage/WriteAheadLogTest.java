package kvstore.core.storage;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class WriteAheadLogTest {
    private static final long SEGMENT = 200;

    private static byte[] record(long i) {
        return ("record " + i).getBytes(StandardCharsets.UTF_8);
    }

    private static List<String> reopen(Disk disk) {
        return reopen(disk, 0);
    }

    private static List<String> reopen(Disk disk, long from) {
        List<String> read = new ArrayList<>();
        WriteAheadLog.open(disk, SEGMENT, from, r -> {
            assertEquals("record " + r.lsn(), new String(r.payload(), StandardCharsets.UTF_8));
            read.add(new String(r.payload(), StandardCharsets.UTF_8));
        });
        return read;
    }

    private static WriteAheadLog logOf(Disk disk, int records) {
        WriteAheadLog wal = WriteAheadLog.open(disk, SEGMENT, 0, r -> { });
        for (int i = 0; i < records; i++) {
            wal.append(record(i));
        }
        wal.sync();
        return wal;
    }

    @Test
    void recordsComeBackInOrderAcrossSegments() {
        MemoryDisk disk = new MemoryDisk();
        logOf(disk, 50);
        assertTrue(disk.list().size() > 3, "segments roll: " + disk.list());
        List<String> read = reopen(disk, 0);
        assertEquals(50, read.size());
        assertEquals(List.of("record 40", "record 41"), reopen(disk, 40).subList(0, 2));
    }

    @Test
    void aCrashKeepsWhatWasSyncedAndNothingElse() {
        MemoryDisk disk = new MemoryDisk();
        WriteAheadLog wal = logOf(disk, 10);
        wal.append(record(10));
        wal.append(record(11));
        disk.crash(new SplittableRandom(1), false);
        assertEquals(10, reopen(disk, 0).size());
    }

    /**
     * Crashes with torn writes at random points: recovery gives back a prefix of what was appended that holds every
     * synced record, cuts the torn tail, and the log goes on from there (the next recovery sees the new records).
     */
    @Test
    void aTornTailIsCutAndTheLogGoesOn() {
        for (long seed = 0; seed < 500; seed++) {
            SplittableRandom random = new SplittableRandom(seed);
            MemoryDisk disk = new MemoryDisk();
            WriteAheadLog wal = WriteAheadLog.open(disk, SEGMENT, 0, r -> { });
            long synced = 0;
            for (int round = 0; round < 3; round++) {
                int appends = 1 + random.nextInt(20);
                for (int i = 0; i < appends; i++) {
                    wal.append(record(wal.next()));
                    if (random.nextInt(4) == 0) {
                        wal.sync();
                        synced = wal.next();
                    }
                }
                disk.crash(random, true);
                List<String> read = new ArrayList<>();
                wal = WriteAheadLog.open(disk, SEGMENT, 0, r -> read.add(new String(r.payload(),
                        StandardCharsets.UTF_8)));
                assertTrue(read.size() >= synced, "seed " + seed + ": lost synced records");
                for (int i = 0; i < read.size(); i++) {
                    assertEquals("record " + i, read.get(i), "seed " + seed);
                }
                assertEquals(read.size(), wal.next(), "seed " + seed);
                synced = read.size(); // what survived a crash is on the disk now
            }
        }
    }

    @Test
    void aBadRecordFollowedByAGoodOneIsCorruptionNotATornWrite() {
        MemoryDisk disk = new MemoryDisk();
        logOf(disk, 5); // one segment
        String segment = disk.list().get(0);
        long second = Frame.encode(0, record(0)).length;
        disk.corrupt(segment, second + Frame.HEADER + 2, 3);
        CorruptStorage e = assertThrows(CorruptStorage.class, () -> reopen(disk, 0));
        assertEquals(segment, e.file());
        assertEquals(second, e.offset());
        assertTrue(e.getMessage().contains("checksum"), e.getMessage());
    }

    @Test
    void aCorruptLengthFollowedByGoodRecordsIsNotCutAsTorn() {
        MemoryDisk disk = new MemoryDisk();
        logOf(disk, 5);
        String segment = disk.list().get(0);
        disk.corrupt(segment, 1, 6); // the first record's length now reaches past the end of the file
        CorruptStorage e = assertThrows(CorruptStorage.class, () -> reopen(disk, 0));
        assertEquals(0, e.offset());
    }

    @Test
    void aBadRecordInAnEarlierSegmentAMissingSegmentAndAnUnreadableOneAreCorruption() {
        MemoryDisk disk = new MemoryDisk();
        logOf(disk, 50);
        List<String> segments = disk.list();
        disk.corrupt(segments.get(1), 20, 0); // inside its first record's payload
        assertEquals(segments.get(1), assertThrows(CorruptStorage.class, () -> reopen(disk, 0)).file());

        MemoryDisk missing = new MemoryDisk();
        logOf(missing, 50);
        missing.delete(missing.list().get(2));
        assertTrue(assertThrows(CorruptStorage.class, () -> reopen(missing, 0)).getMessage().contains("missing"));

        MemoryDisk unreadable = new MemoryDisk();
        logOf(unreadable, 50);
        String third = unreadable.list().get(2);
        unreadable.makeUnreadable(third, 30);
        CorruptStorage e = assertThrows(CorruptStorage.class, () -> reopen(unreadable, 0));
        assertEquals(third, e.file());
        assertEquals(30, e.offset());
    }

    /** A process that died before its sync left records in the page cache: recovery makes them durable. */
    @Test
    void recordsReadBackAfterAProcessCrashAreSyncedBeforeTheLogGoesOn() {
        MemoryDisk disk = new MemoryDisk();
        WriteAheadLog wal = logOf(disk, 3);
        wal.append(record(3));
        wal.append(record(4)); // the process dies here: the machine keeps what it wrote
        assertEquals(5, reopen(disk).size());
        disk.crash(new SplittableRandom(7), false); // then the power goes
        assertEquals(5, reopen(disk).size(), "what recovery read back was made durable");
    }

    @Test
    void aSegmentIsSyncedBeforeTheNextIsBegun() {
        MemoryDisk disk = new MemoryDisk();
        WriteAheadLog wal = WriteAheadLog.open(disk, SEGMENT, 0, r -> { });
        for (int i = 0; i < 20; i++) {
            wal.append(record(i));
        }
        List<String> segments = disk.list();
        assertTrue(segments.size() > 1);
        for (String closed : segments.subList(0, segments.size() - 1)) {
            assertEquals(0, disk.unsynced(closed), closed);
        }
    }

    @Test
    void aFailedSyncLeavesTheLogRefusingUntilItIsOpenedAgain() {
        MemoryDisk disk = new MemoryDisk();
        WriteAheadLog wal = logOf(disk, 1);
        wal.append(record(1));
        disk.failSyncs(true);
        assertThrows(DiskException.class, wal::sync);
        disk.failSyncs(false);
        assertThrows(IllegalStateException.class, wal::sync, "a second fsync may report pages the kernel dropped");
        assertThrows(IllegalStateException.class, () -> wal.append(record(2)));
    }

    @Test
    void segmentsBeforeASnapshotAreDeletedAndNotRead() {
        MemoryDisk disk = new MemoryDisk();
        WriteAheadLog wal = logOf(disk, 50);
        int before = disk.list().size();
        wal.truncateBefore(30);
        assertTrue(disk.list().size() < before);
        assertTrue(wal.first() <= 30 && wal.first() > 0, "first " + wal.first());
        assertTrue(assertThrows(CorruptStorage.class, () -> reopen(disk, 0)).getMessage()
                .contains("nothing covers the records from 0"), "the log no longer reaches back to record 0");
        disk.corrupt(disk.list().get(0), 0, 0); // a segment wholly before `from` is not read
        assertEquals("record 49", reopen(disk, 48).get(1));
    }
}
