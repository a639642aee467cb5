package kvstore.node.host;

import kvstore.core.Address;
import kvstore.core.Message;
import kvstore.core.Process;
import kvstore.core.Send;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The loop's fail-stop: a bad input is logged and the loop goes on; an error of the virtual machine stops it. Work
 * beside the ticks does not wait for the loop.
 */
class ProcessLoopTest {
    /** Counts the messages it handles; throws what it is told to on the message {@code Unreachable}. */
    private static final class Scripted implements Process {
        final AtomicInteger handled = new AtomicInteger();
        volatile Throwable toThrow;

        @Override
        public List<Send> onMessage(Address from, Message message) {
            handled.incrementAndGet();
            if (message instanceof Message.Unreachable && toThrow != null) {
                Throwable t = toThrow;
                if (t instanceof Error e) {
                    throw e;
                }
                throw (RuntimeException) t;
            }
            return List.of();
        }

        @Override
        public List<Send> onTick() {
            return List.of();
        }
    }

    private static final Address FROM = new Address.Node("2");

    @Test
    void aFailedInputIsLoggedAndTheLoopGoesOn() throws Exception {
        Scripted process = new Scripted();
        process.toThrow = new IllegalStateException("one bad input");
        try (ProcessLoop loop = new ProcessLoop("test", process, Duration.ofSeconds(60), s -> { })) {
            assertTrue(loop.deliver(FROM, List.of(new Message.Unreachable())));
            assertEquals(1, (int) loop.call(process.handled::get));
            assertTrue(loop.deliver(FROM, List.of(new Message.Unreachable())), "still taking input");
            assertEquals(2, (int) loop.call(process.handled::get));
        }
    }

    @Test
    void outOfMemoryStopsTheLoopAndSaysSoButNotTheWorkBesideTheTicks() throws Exception {
        Scripted process = new Scripted();
        process.toThrow = new OutOfMemoryError("planted");
        CompletableFuture<VirtualMachineError> fatal = new CompletableFuture<>();
        try (ProcessLoop loop = new ProcessLoop("test", process, Duration.ofMillis(5), s -> { })) {
            loop.onFatal(fatal::complete);
            assertTrue(loop.deliver(FROM, List.of(new Message.Unreachable(), new Message.Unreachable())));
            assertInstanceOf(OutOfMemoryError.class, fatal.get(10, TimeUnit.SECONDS));
            assertFalse(loop.deliver(FROM, List.of(new Message.Unreachable())), "no input after the error");
            assertEquals(1, process.handled.get(), "not even the rest of the batch: the state may be half-changed");
            CountDownLatch beside = new CountDownLatch(3);
            loop.besideTicks(beside::countDown);
            assertTrue(beside.await(10, TimeUnit.SECONDS), "the deadlines of waiting requests must still pass");
        }
    }

    @Test
    void workBesideTheTicksGoesOnWhileTheLoopIsStalled() throws Exception {
        Scripted process = new Scripted();
        CompletableFuture<Void> release = new CompletableFuture<>();
        try (ProcessLoop loop = new ProcessLoop("test", process, Duration.ofMillis(5), s -> { })) {
            CountDownLatch beside = new CountDownLatch(3);
            loop.besideTicks(beside::countDown);
            loop.enqueue(release::join); // the loop's one thread waits here
            assertTrue(beside.await(10, TimeUnit.SECONDS), "the ticker's work did not wait for the loop");
            release.complete(null);
        }
    }
}
