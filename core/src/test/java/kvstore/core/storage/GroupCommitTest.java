package kvstore.core.storage;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GroupCommitTest {
    @Test
    void writesSubmittedDuringASyncGoTogetherInTheNext() {
        MemoryDisk disk = new MemoryDisk();
        GroupCommit<String> commit = new GroupCommit<>(WriteAheadLog.open(disk, 1 << 20, 0, r -> { }));
        commit.submit(List.of(new byte[]{1}), "a");
        assertTrue(commit.begin());
        for (String w : List.of("b", "c", "d")) {
            commit.submit(List.of(new byte[]{2}, new byte[]{3}), w);
        }
        assertFalse(commit.begin(), "one sync at a time");
        assertEquals(List.of("a"), commit.finish());
        assertTrue(commit.begin());
        assertEquals(List.of("b", "c", "d"), commit.finish());
        assertEquals(2, commit.syncs());
        assertFalse(commit.begin());
    }

    /** Whatever the crash point, every write whose completion came back is read back after the crash. */
    @Test
    void whatWasReportedDurableSurvivesACrashAtAnyPoint() {
        for (long seed = 0; seed < 300; seed++) {
            SplittableRandom random = new SplittableRandom(seed);
            MemoryDisk disk = new MemoryDisk();
            GroupCommit<Integer> commit = new GroupCommit<>(WriteAheadLog.open(disk, 64, 0, r -> { }));
            List<Integer> durable = new ArrayList<>();
            int submitted = 0;
            for (int step = random.nextInt(40); step > 0; step--) {
                switch (random.nextInt(3)) {
                    case 0 -> commit.submit(List.of(new byte[]{(byte) submitted}), submitted++);
                    case 1 -> commit.begin();
                    default -> {
                        if (commit.syncing()) {
                            durable.addAll(commit.finish());
                        }
                    }
                }
            }
            disk.crash(random, true);
            List<Integer> recovered = new ArrayList<>();
            WriteAheadLog.open(disk, 64, 0, r -> recovered.add((int) r.payload()[0]));
            assertTrue(recovered.size() >= durable.size(), "seed " + seed);
            assertEquals(durable, recovered.subList(0, durable.size()), "seed " + seed);
        }
    }
}
