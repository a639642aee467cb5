package kvstore.core.storage;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SnapshotsTest {
    @Test
    void theNewestTwoAreKeptAndACorruptNewestFallsBackToTheOneBefore() {
        MemoryDisk disk = new MemoryDisk();
        Snapshots snapshots = new Snapshots(disk);
        List<String> problems = new ArrayList<>();
        assertTrue(snapshots.newest(problems, new ArrayList<>()).isEmpty());
        assertEquals(0, snapshots.keepLogFrom());
        snapshots.write(10, new byte[]{1});
        snapshots.write(20, new byte[]{2});
        snapshots.write(30, new byte[]{3});
        assertEquals(List.of(Snapshots.name(20), Snapshots.name(30)), disk.list());
        assertEquals(20, snapshots.keepLogFrom());
        assertEquals(30, snapshots.newest(problems, new ArrayList<>()).orElseThrow().upTo());

        disk.corrupt(Snapshots.name(30), Frame.HEADER, 0);
        List<String> bad = new ArrayList<>();
        Snapshots.Snapshot fallback = snapshots.newest(problems, bad).orElseThrow();
        assertEquals(20, fallback.upTo());
        assertArrayEquals(new byte[]{2}, fallback.payload());
        assertEquals(1, problems.size());
        assertTrue(problems.get(0).contains(Snapshots.name(30)), problems.toString());
        assertEquals(List.of(Snapshots.name(20), Snapshots.name(30)), disk.list(), "left for the caller to decide");
        snapshots.discard(bad);
        assertEquals(List.of(Snapshots.name(20)), disk.list(), "the bad one no longer counts among the kept");
        snapshots.write(40, new byte[]{4});
        assertEquals(20, snapshots.keepLogFrom(), "the next write keeps the good one before it");
    }

    @Test
    void aSnapshotFileUnderAnotherNumberIsNotTaken() {
        MemoryDisk disk = new MemoryDisk();
        disk.replace(Snapshots.name(50), Frame.encode(40, new byte[]{1}));
        List<String> problems = new ArrayList<>();
        assertTrue(new Snapshots(disk).newest(problems, new ArrayList<>()).isEmpty());
        assertEquals(1, problems.size());
    }
}
