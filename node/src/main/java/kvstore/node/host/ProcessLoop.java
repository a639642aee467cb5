package kvstore.node.host;

import kvstore.core.Address;
import kvstore.core.Message;
import kvstore.core.Process;
import kvstore.core.Send;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * How production runs a core {@link Process}, the replica's and the controller's alike: one thread owns it and
 * feeds it, in turn, what the host hands in (messages, requests) and a tick every tick length, exactly as the
 * simulator's event loop does; each send goes to the host's router. Nothing else touches the process, so it needs
 * no locks.
 */
public final class ProcessLoop implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(ProcessLoop.class.getName());

    private final String name;
    private final Process process;
    private final Consumer<Send> router;
    private final ExecutorService loop;             // the one thread that touches the process
    private final ScheduledExecutorService ticker;  // only enqueues ticks (a scheduled queue is slower per task)
    private volatile Consumer<VirtualMachineError> onFatal = e -> { };
    private volatile Runnable besideTicks = () -> { };
    private boolean stopped; // on the loop thread only: an error of the virtual machine struck

    public ProcessLoop(String name, Process process, Duration tick, Consumer<Send> router) {
        this.name = name;
        this.process = process;
        this.router = router;
        this.loop = Executors.newSingleThreadExecutor(r -> daemon(r, name));
        this.ticker = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, name + "-ticks"));
        ticker.scheduleAtFixedRate(() -> {
            enqueue(() -> step(process::onTick));
            try {
                besideTicks.run();
            } catch (Throwable e) { // anything thrown would end the schedule, and the ticks with it
                LOG.log(System.Logger.Level.ERROR, name + ": work beside the ticks failed", e);
            }
        }, tick.toNanos(), tick.toNanos(), TimeUnit.NANOSECONDS);
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    /**
     * Runs {@code work} every tick on the ticker's thread, not the loop's, until {@link #close}: work that must go on
     * while the loop is stalled or stopped on an error, and too small for a timer thread of its own (on this virtual
     * machine each periodic wake-up costs about 1% of a node's CPU).
     */
    public void besideTicks(Runnable work) {
        besideTicks = work;
    }

    /** Messages from one sender, handled in order in one later turn of the loop; false once closed. */
    public boolean deliver(Address from, List<Message> messages) {
        return enqueue(() -> {
            for (Message m : messages) {
                step(() -> process.onMessage(from, m));
            }
        });
    }

    /** Runs {@code work} in a later turn of the loop; false once closed. */
    public boolean enqueue(Runnable work) {
        try {
            loop.execute(work);
            return true;
        } catch (RejectedExecutionException e) {
            return false;
        }
    }

    /**
     * Runs {@code work} in a turn of the loop and waits for its result.
     *
     * @throws RejectedExecutionException once closed (also when closing dropped it)
     */
    public <T> T call(Callable<T> work) throws InterruptedException {
        try {
            return loop.submit(work).get();
        } catch (java.util.concurrent.CancellationException e) {
            throw new RejectedExecutionException("the loop closed", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            if (e.getCause() instanceof Error error) {
                throw error; // out of memory, say: the caller's own handling applies (a 503 for a request)
            }
            throw new IllegalStateException(e.getCause());
        }
    }

    /**
     * What to do when the process met an error of the virtual machine (out of memory, a stack overflow): the loop has
     * stopped by then. Called on the loop thread, which must be let go.
     */
    public void onFatal(Consumer<VirtualMachineError> action) {
        onFatal = action;
    }

    /**
     * One input through the process, its sends routed. Only ever called on the loop thread. One bad input (or a
     * failed assertion of the core's) must not cost the rest of the turn: it is logged, and the loop goes on. An
     * error of the virtual machine (out of memory) stops the loop instead: it may have struck half-way through a
     * change of the process's state, which must then not serve another input (fail-stop: a restart recovers what
     * was made durable, and the protocol treats the node as crashed).
     */
    public void step(Supplier<List<Send>> input) {
        if (stopped) {
            return; // the rest of a turn that began before the error
        }
        try {
            for (Send send : input.get()) {
                router.accept(send);
            }
        } catch (VirtualMachineError e) {
            stopped = true;
            try { // each step even if the one before fails again for want of memory
                stopLoop(); // not the ticker: the work beside the ticks goes on until close
            } finally {
                try {
                    onFatal.accept(e);
                } finally {
                    LOG.log(System.Logger.Level.ERROR, name + " stops: " + e + " on an input may have left it "
                            + "half-changed");
                }
            }
        } catch (Throwable e) {
            LOG.log(System.Logger.Level.ERROR, name + " failed on an input", e);
        }
    }

    @Override
    public void close() {
        ticker.shutdownNow();
        stopLoop();
    }

    /** The loop takes no more input; what was queued is dropped. */
    private void stopLoop() {
        for (Runnable dropped : loop.shutdownNow()) {
            if (dropped instanceof Future<?> f) {
                f.cancel(false); // whoever waits for it (a status, a view) hears at once instead of never
            }
        }
    }
}
