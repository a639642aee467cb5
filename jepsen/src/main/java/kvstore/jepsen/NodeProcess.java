package kvstore.jepsen;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One real node: a separate JVM running node.jar, its output appended to its log file. It can be killed with
 * SIGKILL, paused with SIGSTOP and resumed with SIGCONT, and started again (empty, with {@code --join}).
 */
public final class NodeProcess {
    private final long id;
    private final int port;
    private final String peerSource;
    private final RunSettings settings;
    private final Path log;
    private final kvstore.node.tls.TlsFiles tls; // null: plain HTTP
    private Process process;
    private Process watchdog;
    private boolean paused;
    private boolean retired; // destroyed at the end of the run: never started again

    NodeProcess(long id, int port, String peerSource, RunSettings settings, Path log, kvstore.node.tls.TlsFiles tls) {
        this.tls = tls;
        this.id = id;
        this.port = port;
        this.peerSource = peerSource;
        this.settings = settings;
        this.log = log;
    }

    long id() {
        return id;
    }

    /** Where clients and the operator reach the node directly. */
    String address() {
        return "127.0.0.1:" + port;
    }

    int port() {
        return port;
    }

    /**
     * Starts the process; {@code join}: it restarts into an existing cluster, and may not lead or vote until synced
     * or restored, unless its data directory (if it has one) brings back where it was synced and its vote.
     */
    synchronized void start(boolean join) throws IOException {
        if (retired) {
            throw new IOException("the run is over; node " + id + " is not started again");
        }
        List<String> command = new ArrayList<>(List.of(javaBinary(), "-ea:kvstore.core...", "-XX:+UseSerialGC", "-Xss512k", "-Xmx256m",
                "-XX:TieredStopAtLevel=1", "-cp", settings.nodeJar().toString(), "kvstore.node.cli.NodeMain",
                "--id", String.valueOf(id), "--port", String.valueOf(port), "--peer-source", peerSource,
                "--exit-with-parent", String.valueOf(ProcessHandle.current().pid()), "--log-level", "INFO"));
        if (settings.dataDirs()) {
            command.addAll(List.of("--data-dir", settings.dataDir(id).toAbsolutePath().toString()));
        }
        if (tls != null) {
            command.addAll(List.of("--tls-cert", tls.cert().toAbsolutePath().toString(), "--tls-key",
                    tls.key().toAbsolutePath().toString(), "--tls-ca", tls.ca().toAbsolutePath().toString()));
        }
        if (join) {
            command.add("--join");
        } else if (settings.controller()) {
            command.add("--new-cluster"); // the controller needs voters; the harness's operator does not
        }
        if (settings.plantedBug() != null) {
            command.addAll(List.of("--plant-bug", settings.plantedBug()));
        }
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        builder.environment().remove("CLUSTER_TOKEN"); // the harness sends no token: nor may its nodes want one
        process = builder.start();
        paused = false;
        watchdog = startWatchdog(process.pid());
    }

    /**
     * A separate little process that outlives the harness if the harness is killed with SIGKILL: it then resumes
     * the node (a stopped process cannot run its own exit-with-parent check) and kills it.
     */
    private static Process startWatchdog(long node) throws IOException {
        long harness = ProcessHandle.current().pid();
        String script = "while kill -0 " + harness + " 2>/dev/null && kill -0 " + node + " 2>/dev/null; do sleep 1; "
                + "done; kill -CONT " + node + " 2>/dev/null; kill -9 " + node + " 2>/dev/null; exit 0";
        return new ProcessBuilder("sh", "-c", script).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    }

    /** Waits until the node answers /ping; fails at once if its process ends, or after {@code within}. */
    void awaitAnswering(NodeApi api, java.time.Duration within) throws InterruptedException {
        long deadline = System.nanoTime() + within.toNanos();
        while (System.nanoTime() < deadline) {
            if (api.ping(address()).status() == 200) {
                return;
            }
            if (!isRunning()) {
                throw new IllegalStateException("node " + id + " exited before it answered; see its log");
            }
            Thread.sleep(50);
        }
        throw new IllegalStateException("node " + id + " did not answer /ping within " + within.toSeconds()
                + " s; see its log");
    }

    synchronized boolean isRunning() {
        return process != null && process.isAlive();
    }

    /** kill -9: the node is gone with everything it held in memory. */
    synchronized void kill() throws InterruptedException {
        killNow();
        awaitDeath();
    }

    /** Sends SIGKILL and returns at once (so that several nodes die in the same instant). */
    synchronized void killNow() {
        if (process != null) {
            process.destroyForcibly();
        }
    }

    /** Waits until the process killed is gone. */
    synchronized void awaitDeath() throws InterruptedException {
        if (process != null) {
            process.waitFor(10, TimeUnit.SECONDS);
            paused = false;
        }
    }

    synchronized void pause() throws IOException, InterruptedException {
        signal("STOP");
        paused = true;
    }

    synchronized void resume() throws IOException, InterruptedException {
        signal("CONT");
        paused = false;
    }

    /** Stops the process whatever its state (resumed first if paused, so it can die), for good. */
    synchronized void destroy() {
        retired = true;
        if (watchdog != null) {
            watchdog.destroyForcibly();
        }
        if (process == null || !process.isAlive()) {
            return;
        }
        try {
            if (paused) {
                signal("CONT");
            }
        } catch (IOException | InterruptedException e) {
            // SIGKILL below works on a stopped process too
        }
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void signal(String name) throws IOException, InterruptedException {
        if (process == null || !process.isAlive()) {
            return;
        }
        signal(process.pid(), name);
    }

    /** Sends a signal by name ({@code STOP}, {@code CONT}) with kill(1): the JDK can only send TERM and KILL. */
    public static void signal(long pid, String name) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-" + name, String.valueOf(pid)).start();
        if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
            throw new IOException("kill -" + name + " " + pid + " failed");
        }
    }

    private static String javaBinary() {
        return ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin",
                "java").toString());
    }
}
