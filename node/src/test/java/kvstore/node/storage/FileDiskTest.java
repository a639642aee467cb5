package kvstore.node.storage;

import kvstore.core.storage.CorruptStorage;
import kvstore.core.storage.DiskException;
import kvstore.core.storage.Snapshots;
import kvstore.core.storage.WriteAheadLog;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The write-ahead log and snapshots on real files, as the node runs them. */
class FileDiskTest {
    @TempDir
    Path dir;

    private List<String> reopen() {
        List<String> read = new ArrayList<>();
        try (FileDisk disk = new FileDisk(dir)) {
            WriteAheadLog.open(disk, 1024, 0, r -> read.add(new String(r.payload(), StandardCharsets.UTF_8)));
        }
        return read;
    }

    @Test
    void aLogWrittenToFilesIsReadBackAndATornTailIsCut() throws IOException {
        try (FileDisk disk = new FileDisk(dir)) {
            WriteAheadLog wal = WriteAheadLog.open(disk, 1024, 0, r -> { });
            for (int i = 0; i < 100; i++) {
                wal.append(("record " + i).getBytes(StandardCharsets.UTF_8));
            }
            wal.sync();
        }
        assertEquals(100, reopen().size());
        Path last;
        try (var files = Files.list(dir)) {
            last = files.filter(p -> p.getFileName().toString().startsWith("wal-")).sorted().toList().getLast();
        }
        long size = Files.size(last);
        try (FileChannel c = FileChannel.open(last, StandardOpenOption.WRITE)) {
            c.truncate(size - 3); // the last record torn
        }
        assertEquals(99, reopen().size());
        assertEquals(99, reopen().size(), "the cut is durable and the log stays valid");
    }

    @Test
    void aFlippedByteInTheMiddleIsReportedWithItsFileAndOffset() throws IOException {
        try (FileDisk disk = new FileDisk(dir)) {
            WriteAheadLog wal = WriteAheadLog.open(disk, 1 << 20, 0, r -> { });
            for (int i = 0; i < 10; i++) {
                wal.append(("record " + i).getBytes(StandardCharsets.UTF_8));
            }
            wal.sync();
        }
        Path segment;
        try (var files = Files.list(dir)) {
            segment = files.filter(p -> p.getFileName().toString().startsWith("wal-")).findFirst().orElseThrow();
        }
        byte[] bytes = Files.readAllBytes(segment);
        bytes[20] ^= 1;
        Files.write(segment, bytes);
        CorruptStorage e = assertThrows(CorruptStorage.class, this::reopen);
        assertEquals(segment.getFileName().toString(), e.file());
        assertEquals(0, e.offset());
    }

    @Test
    void aSnapshotReplacesAtomicallyAndATemporaryLeftByACrashIsRemoved() throws IOException {
        Files.write(dir.resolve(".snapshot-00000000000000000005.snap.tmp"), new byte[]{1, 2, 3}); // never written again
        try (FileDisk disk = new FileDisk(dir)) {
            Snapshots snapshots = new Snapshots(disk);
            snapshots.write(7, new byte[]{7});
            snapshots.write(9, new byte[]{9});
            assertArrayEquals(new byte[]{9}, snapshots.newest(new ArrayList<>(), new ArrayList<>()).orElseThrow().payload());
            assertEquals(2, disk.list().size(), disk.list().toString());
        }
        try (var files = Files.list(dir)) {
            assertEquals(0, files.filter(f -> f.getFileName().toString().endsWith(".tmp")).count(),
                    "no temporary left");
        }
    }

    @Test
    void gatheredAppendsAreWhatTheFileHoldsForEveryUseAndReachItBySyncOrClose() throws IOException {
        try (FileDisk disk = new FileDisk(dir)) {
            disk.append("wal-1", new byte[]{1, 2});
            disk.append("wal-1", new byte[]{3});
            assertEquals(0, Files.size(dir.resolve("wal-1")), "gathered, not written yet");
            assertEquals(3, disk.size("wal-1"));
            assertArrayEquals(new byte[]{2, 3}, disk.read("wal-1", 1, 10));
            disk.append("wal-1", new byte[]{4});
            disk.truncate("wal-1", 2);
            assertArrayEquals(new byte[]{1, 2}, disk.read("wal-1", 0, 10), "cut after what was gathered");
            disk.append("wal-1", new byte[]{5});
            disk.sync("wal-1");
            assertArrayEquals(new byte[]{1, 2, 5}, Files.readAllBytes(dir.resolve("wal-1")), "synced: on the file");
            disk.append("snap", new byte[]{9});
            disk.replace("snap", new byte[]{7});
            assertArrayEquals(new byte[]{7}, disk.read("snap", 0, 10), "a replaced file keeps nothing appended before");
            disk.append("gone", new byte[]{9});
            disk.delete("gone");
            assertTrue(!disk.list().contains("gone"));
            disk.append("wal-2", new byte[]{6});
        }
        assertArrayEquals(new byte[]{6}, Files.readAllBytes(dir.resolve("wal-2")), "closing writes what was gathered");
    }

    @Test
    void aDirectoryInUseIsRefusedToASecondUser() {
        try (FileDisk first = new FileDisk(dir)) {
            first.append("wal-1", new byte[]{1});
            DiskException e = org.junit.jupiter.api.Assertions.assertThrows(DiskException.class,
                    () -> new FileDisk(dir));
            assertTrue(e.getMessage().contains("another process uses this data directory"), e.getMessage());
            assertEquals(java.util.List.of("wal-1"), first.list(), "the lock file is not one of the disk's files");
        }
        try (FileDisk again = new FileDisk(dir)) {
            assertEquals(java.util.List.of("wal-1"), again.list(), "free again once the first one closed");
        }
    }
}
