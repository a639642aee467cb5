package kvstore.node.server;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Cuts off a client that sends its request too slowly: its headers, or its body. Helidon 4.5 bounds only the idle
 * time before a request line (docs/http-edge.md), so a client that sends one header byte a second, or stops in the
 * middle of its body, would hold its connection and a thread for as long as it likes.
 *
 * <p>A connection's thread {@linkplain #start starts} a read with a deadline and {@linkplain Read#finish finishes}
 * it; a timer looks every {@link #CHECK_EVERY} and interrupts the thread of every read past its deadline. Helidon
 * serves each connection on one virtual thread, and interrupting a virtual thread blocked on a socket closes the
 * socket (the JDK's rule for virtual threads): the read fails and the connection ends. Nothing is answered, as nginx
 * answers nothing to a client past its {@code client_header_timeout}: the client is not reading at our pace either.
 *
 * <p>Only the reading thread removes its read (when it finishes, or starts another), so that it always learns that
 * it was cut off and clears the interrupt, which must never reach the request's handler; the timer only forgets
 * reads whose thread has ended (Helidon refused the request before its headers were complete).
 */
final class ReadDeadlines implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(ReadDeadlines.class.getName());
    static final Duration CHECK_EVERY = Duration.ofMillis(250);

    private final Map<Thread, Read> reading = new ConcurrentHashMap<>();
    private final ScheduledExecutorService timer;

    ReadDeadlines(String name) {
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        });
        long period = CHECK_EVERY.toMillis();
        timer.scheduleAtFixedRate(this::cutOffLateReads, period, period, TimeUnit.MILLISECONDS);
    }

    /**
     * The calling thread starts reading {@code what} (for the log), which must be done within {@code limit}. A read
     * the same thread started before and did not finish (its request failed) is finished first.
     */
    Read start(String what, Duration limit) {
        Thread self = Thread.currentThread();
        Read read = new Read(self, what, System.nanoTime() + limit.toNanos());
        Read earlier = reading.put(self, read);
        if (earlier != null) {
            earlier.finish();
        }
        return read;
    }

    /**
     * Finishes the calling thread's read, if it has one.
     *
     * @return false if it was cut off (see {@link Read#finish})
     */
    boolean finishOwn() {
        Read read = reading.get(Thread.currentThread());
        return read == null || read.finish();
    }

    private void cutOffLateReads() {
        try {
            long now = System.nanoTime();
            for (Read read : reading.values()) {
                if (!read.thread.isAlive()) {
                    reading.remove(read.thread, read);
                } else if (now - read.deadline > 0 && read.cutOff()) {
                    LOG.log(System.Logger.Level.INFO, "cut off a client that sent its {0} too slowly", read.what);
                }
            }
        } catch (RuntimeException e) { // an exception would end the schedule, and with it every deadline
            LOG.log(System.Logger.Level.ERROR, "checking read deadlines failed", e);
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }

    /** One read with a deadline, by one thread. */
    final class Read {
        private final Thread thread;
        private final String what;
        private final long deadline;
        private boolean finished; // guarded by this
        private boolean wasCutOff; // guarded by this

        private Read(Thread thread, String what, long deadline) {
            this.thread = thread;
            this.what = what;
            this.deadline = deadline;
        }

        /**
         * The read is over (done or failed); called by the reading thread. Once this returns, the timer will not
         * interrupt the thread for it.
         *
         * @return false if the timer cut it off first: the socket is closed, and the thread's interrupt is cleared
         */
        synchronized boolean finish() {
            if (!finished) {
                finished = true;
                reading.remove(thread, this);
                if (wasCutOff) {
                    Thread.interrupted();
                }
            }
            return !wasCutOff;
        }

        /** Interrupts the reader unless it finished: under the lock, so it never lands after {@link #finish}. */
        private synchronized boolean cutOff() {
            if (finished || wasCutOff) {
                return false;
            }
            wasCutOff = true;
            thread.interrupt();
            return true;
        }
    }
}
