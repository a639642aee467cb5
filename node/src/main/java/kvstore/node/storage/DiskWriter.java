package kvstore.node.storage;

import kvstore.core.Message;
import kvstore.core.storage.ReplicaStore;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.Consumer;
import java.util.function.LongConsumer;

/**
 * The node's storage thread: takes what the replica sends its disk (from the replica's loop, which never waits
 * for the disk) and carries it out with {@link ReplicaStore}, with group commit: it takes everything queued, writes
 * it, makes it durable with one sync, reports how many records are durable, and starts over with whatever came
 * meanwhile. The simulator runs the same store with simulated time instead of this thread.
 *
 * <p>Under load it waits a little before it takes a group ({@link #GATHER_NANOS}): when records came while the last
 * sync ran, more are on their way, and one sync for all of them costs the machine less than a sync each (an
 * {@code fsync} costs CPU as well as time). When the disk was idle, the first record is synced at once: a lone
 * write pays no wait. PostgreSQL's {@code commit_delay} and MySQL's {@code binlog_group_commit_sync_delay} do
 * the same, for the same reason.
 *
 * <p>A write or sync that fails leaves the store unusable (what is on the disk is no longer known): the node must
 * stop and be started again, which reads back what is really there. That is {@code failed}'s business.
 */
public final class DiskWriter implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(DiskWriter.class.getName());

    /** How long a group gathers when the disk is busy: short against a replication round trip under load. */
    static final long GATHER_NANOS = 1_000_000;

    private final ReplicaStore store;
    private final AutoCloseable disk;
    private final LinkedBlockingQueue<Message> queue = new LinkedBlockingQueue<>();
    /** Put on the queue by {@link #close}: the writer stops when it reaches it, after what came before. */
    private static final Message STOP = new Message.Persisted(-1);
    private final String name;
    private Thread thread;
    private volatile boolean closed;

    /** A writer that queues records until {@link #start}. */
    public DiskWriter(String name, ReplicaStore store, AutoCloseable disk) {
        this.name = name;
        this.store = store;
        this.disk = disk;
    }

    /**
     * Starts writing what is queued and what comes.
     *
     * @param durable told, on this writer's thread, how many records of this life are durable after each sync
     * @param failed  told once if the disk fails; nothing more is written after that
     */
    public synchronized void start(LongConsumer durable, Consumer<RuntimeException> failed) {
        thread = new Thread(() -> run(durable, failed), name);
        thread.setDaemon(true);
        thread.start();
    }

    /** A record to write; called on the replica's loop. */
    public void write(Message record) {
        queue.add(record);
    }

    private void run(LongConsumer durable, Consumer<RuntimeException> failed) {
        List<Message> batch = new ArrayList<>();
        boolean busy = false; // records came while the last sync ran
        try {
            while (true) {
                batch.add(queue.take());
                if (busy) {
                    java.util.concurrent.locks.LockSupport.parkNanos(GATHER_NANOS);
                }
                queue.drainTo(batch);
                boolean stop = batch.remove(STOP);
                for (Message m : batch) {
                    store.accept(m);
                }
                batch.clear();
                if (stop) {
                    store.sync(); // what came before the close is made durable, without telling anyone
                    return;
                }
                long upTo = store.sync();
                busy = !queue.isEmpty(); // before the replica hears: what it writes in answer did not come during the sync
                durable.accept(upTo);
            }
        } catch (InterruptedException e) {
            // closing
        } catch (RuntimeException e) {
            if (!closed) {
                LOG.log(System.Logger.Level.ERROR, "the data directory failed: " + e.getMessage(), e);
                failed.accept(e);
            }
        }
    }

    /**
     * Stops once what was queued before is written and synced (an interrupt would cut a write in the middle:
     * {@code FileChannel} closes on one). A writer that does not finish within 10 s is left to die with the process,
     * and the directory stays locked meanwhile.
     */
    @Override
    public synchronized void close() {
        closed = true;
        if (thread != null) {
            queue.add(STOP);
            try {
                thread.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (thread.isAlive()) {
                LOG.log(System.Logger.Level.WARNING, "the storage thread did not stop in time; the data directory "
                        + "stays open until the process exits");
                return;
            }
        }
        try {
            disk.close();
        } catch (Exception e) {
            LOG.log(System.Logger.Level.WARNING, "closing the data directory: " + e.getMessage());
        }
    }
}
