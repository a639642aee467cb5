package kvstore.node.server;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The read deadlines' promise to a request's handler: the interrupt that cuts a read off never reaches it. */
class ReadDeadlinesTest {

    /**
     * The deadline passes after the last byte came but before the reader says it is done (its thread is not blocked,
     * so the interrupt only sets the flag): the reader learns it was cut off, and the flag is cleared.
     */
    @Test
    void aReaderCutOffBetweenItsLastByteAndFinishingLearnsItAndKeepsNoInterrupt() throws Exception {
        try (ReadDeadlines deadlines = new ReadDeadlines("test-deadlines")) {
            CompletableFuture<String> seen = new CompletableFuture<>();
            Thread.ofPlatform().start(() -> {
                deadlines.start("headers", Duration.ofMillis(1));
                long giveUp = System.nanoTime() + Duration.ofSeconds(10).toNanos();
                while (!Thread.currentThread().isInterrupted() && System.nanoTime() < giveUp) {
                    Thread.onSpinWait();
                }
                boolean wasInterrupted = Thread.currentThread().isInterrupted();
                boolean inTime = deadlines.finishOwn();
                seen.complete(wasInterrupted + " " + inTime + " " + Thread.currentThread().isInterrupted());
            });
            assertEquals("true false false", seen.get(), "interrupted by the timer, told, interrupt cleared");
        }
    }

    @Test
    void aReadFinishedInTimeIsNeverInterruptedLater() throws Exception {
        try (ReadDeadlines deadlines = new ReadDeadlines("test-deadlines")) {
            CompletableFuture<Boolean> interrupted = new CompletableFuture<>();
            Thread.ofPlatform().start(() -> {
                deadlines.start("body", Duration.ofMillis(100));
                assertTrue(deadlines.finishOwn());
                try {
                    Thread.sleep(ReadDeadlines.CHECK_EVERY.multipliedBy(4).plusMillis(100)); // past the deadline
                    interrupted.complete(false);
                } catch (InterruptedException e) {
                    interrupted.complete(true);
                }
            });
            assertFalse(interrupted.get(), "the timer left a finished read alone");
        }
    }
}
