package kvstore.jepsen.load;

import com.fasterxml.jackson.databind.JsonNode;
import kvstore.node.cli.FreePorts;
import kvstore.node.http.HttpConnection;
import kvstore.node.http.HttpResponseReader;
import kvstore.node.server.Json;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Issue 13's episode against real processes ({@code ./kv bench-catchup}): three nodes and a controller started as a
 * user would ({@code ./kv node --new-cluster}, {@code ./kv controller}), a store of {@code --keys} keys with 20-byte
 * values written through the API, writers working steadily through the backups, then one fault: the primary or a
 * backup paused ({@code SIGSTOP}, then {@code SIGCONT}) or killed (then started again with {@code --join}, empty,
 * or with its data directory under {@code --data-dirs yes}).
 * It prints, per second, successful writes out of attempts; how soon writes succeed again after the fault ends;
 * how many views the controller installed; what each catch-up cost (full or by log suffix, bytes, time, as the
 * primary reports them); and each node's resident memory.
 */
public final class CatchUpBench {
    private static final Target STORE = new Target.Kvstore();
    /** The simulator's names of faults ({@code Fault.Kind}), done to the primary or to a backup. */
    private static final List<String> FAULTS = List.of("pause-primary", "crash-primary", "pause-backup",
            "crash-backup");
    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final int NODES = 3;

    private final Path nodeJar;
    private final Path logs;
    private Path data; // where node i keeps its state (data/node-i); null: in memory
    private final int[] ports = new int[NODES + 1]; // by node id, each free when chosen
    private final Process[] nodes = new Process[NODES + 1];
    private Process controller;

    private final AtomicBoolean writing = new AtomicBoolean();
    private final AtomicLongArray oks = new AtomicLongArray(3600);
    private final AtomicLongArray attempts = new AtomicLongArray(3600);
    private final AtomicLong writesOk = new AtomicLong();               // every successful write of the run
    private final AtomicLong firstOkAfter = new AtomicLong(-1); // ms since start of the first success after the mark
    private volatile long mark = Long.MAX_VALUE;                // ms since start: when the fault ended
    private final Map<Long, Long> viewsSeen = new ConcurrentHashMap<>(); // view number -> ms first seen
    private final long[] peakRss = new long[NODES + 1];
    private long started;

    private CatchUpBench(Path nodeJar, Path logs) throws IOException {
        this.nodeJar = nodeJar;
        this.logs = logs;
        for (int id = 1; id <= NODES; id++) {
            ports[id] = FreePorts.one();
        }
    }

    public static void main(String[] argv) throws Exception {
        Map<String, String> args = new TreeMap<>();
        for (int i = 0; i + 1 < argv.length; i += 2) {
            args.put(argv[i], argv[i + 1]);
        }
        if (argv.length % 2 != 0 || !args.containsKey("--node-jar")) {
            System.err.println("""
                    usage: ./kv bench-catchup [--keys N] [--writers N] [--fault F] [--fault-seconds S] [--after S]
                      --keys N          keys of 20-byte values written before the fault (default 250000)
                      --writers N       clients writing steadily through the backups (default 8)
                      --fault F         pause-primary (default), crash-primary, pause-backup or crash-backup
                                        (kill -9; crashed nodes are started again with --join, empty;
                                        kill-primary and kill-backup are the same as crash-...)
                      --fault-seconds S how long the pause lasts, or the killed node stays down (default 10)
                      --down-writes N   a killed node stays down until N writes succeeded without it
                                        (instead of --fault-seconds)
                      --after S         seconds of writes after the fault ends (default 20)
                      --data-dirs yes   every node keeps its state in a data directory (under
                                        jepsen/target/bench-catchup/data, emptied first), and a killed node
                                        is started again with it (default: no, in memory)""");
            System.exit(2);
        }
        int keys = Integer.parseInt(args.getOrDefault("--keys", "250000"));
        int writers = Integer.parseInt(args.getOrDefault("--writers", "8"));
        String asked = args.getOrDefault("--fault", "pause-primary");
        String fault = asked.toLowerCase(java.util.Locale.ROOT).replace("kill-", "crash-");
        if (!FAULTS.contains(fault)) {
            System.err.println("bench-catchup: --fault is one of " + FAULTS + ", not '" + asked + "'");
            System.exit(2);
        }
        int faultSeconds = Integer.parseInt(args.getOrDefault("--fault-seconds", "10"));
        int after = Integer.parseInt(args.getOrDefault("--after", "20"));
        long downWrites = Long.parseLong(args.getOrDefault("--down-writes", "0"));
        if (downWrites < 0 || downWrites > 0 && !fault.startsWith("crash")
                || downWrites > 0 && args.containsKey("--fault-seconds")) {
            System.err.println("bench-catchup: --down-writes N (N > 0) is for a killed node (crash-primary, "
                    + "crash-backup), instead of --fault-seconds");
            System.exit(2);
        }
        Path logs = Files.createDirectories(Path.of("jepsen", "target", "bench-catchup"));
        CatchUpBench bench = new CatchUpBench(Path.of(args.get("--node-jar")), logs);
        if (args.getOrDefault("--data-dirs", "no").equals("yes")) {
            bench.data = logs.resolve("data");
            if (Files.exists(bench.data)) {
                try (var old = Files.walk(bench.data)) {
                    for (Path p : old.sorted(java.util.Comparator.reverseOrder()).toList()) {
                        Files.delete(p);
                    }
                }
            }
        }
        Runtime.getRuntime().addShutdownHook(new Thread(bench::stopAll));
        try {
            bench.run(keys, writers, fault, faultSeconds, downWrites, after);
        } finally {
            bench.stopAll();
        }
        System.exit(0);
    }

    private void run(int keys, int writers, String fault, int faultSeconds, long downWrites, int after)
            throws Exception {
        started = System.currentTimeMillis();
        for (int id = 1; id <= NODES; id++) {
            nodes[id] = startNode(id, false);
        }
        controller = start(List.of(java(), "-cp", nodeJar.toString(), "kvstore.node.cli.ControllerMain", "--nodes",
                nodeList(), "--log-level", "INFO"), logs.resolve("controller.log"));
        JsonNode view = awaitSettled(60_000);
        System.out.printf(Locale.ROOT, "cluster up: view %d, primary %s%n", view.path("number").asLong(),
                view.path("primary").asText());
        long loadStart = System.currentTimeMillis();
        load(keys, address(Integer.parseInt(view.path("primary").asText())));
        System.out.printf(Locale.ROOT, "loaded %,d keys in %.1f s%n", keys,
                (System.currentTimeMillis() - loadStart) / 1000.0);
        sampleMemory();
        printMemory("after loading");

        Thread sampler = Thread.ofPlatform().daemon().start(this::sample);
        view = awaitSettled(60_000);
        int primary = Integer.parseInt(view.path("primary").asText());
        List<Integer> backups = new ArrayList<>();
        view.path("backups").forEach(b -> backups.add(Integer.parseInt(b.asText())));
        writing.set(true);
        List<Thread> threads = new ArrayList<>();
        for (int w = 0; w < writers; w++) {
            int first = backups.get(w % backups.size());
            int seed = w;
            threads.add(Thread.ofPlatform().start(() -> write(first, keys, seed)));
        }
        Thread.sleep(5_000);
        long viewBefore = view.path("number").asLong();
        int victim = fault.endsWith("primary") ? primary : backups.getFirst();
        long faultAt = elapsed();
        System.out.printf(Locale.ROOT, "%.1f s: %s node %d (pid %d) for %s%n", faultAt / 1000.0, fault, victim,
                nodes[victim].pid(), downWrites > 0 ? downWrites + " writes" : faultSeconds + " s");
        if (fault.startsWith("pause")) {
            signal("STOP", nodes[victim].pid());
            Thread.sleep(faultSeconds * 1000L);
            signal("CONT", nodes[victim].pid());
        } else {
            nodes[victim].destroyForcibly().waitFor();
            if (downWrites > 0) {
                long from = writesOk.get();
                long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(120);
                while (writesOk.get() - from < downWrites) {
                    if (System.nanoTime() > deadline) {
                        System.out.printf(Locale.ROOT, "%.1f s: only %,d writes succeeded in 120 s without node %d; "
                                + "restarting it anyway%n", elapsed() / 1000.0, writesOk.get() - from, victim);
                        break;
                    }
                    Thread.sleep(1);
                }
                System.out.printf(Locale.ROOT, "%.1f s: %,d writes succeeded without node %d%n",
                        elapsed() / 1000.0, writesOk.get() - from, victim);
            } else {
                Thread.sleep(faultSeconds * 1000L);
            }
            nodes[victim] = startNode(victim, true);
        }
        mark = elapsed();
        System.out.printf(Locale.ROOT, "%.1f s: fault over%n", mark / 1000.0);
        Thread.sleep(after * 1000L);
        writing.set(false);
        for (Thread t : threads) {
            t.join();
        }
        long writersStopped = elapsed();
        JsonNode settled = awaitSettled(60_000);
        long settledAt = elapsed();
        sampler.interrupt();
        report(faultAt, viewBefore, writersStopped, settled, settledAt);
    }

    private void report(long faultAt, long viewBefore, long writersStopped, JsonNode settled, long settledAt) {
        System.out.println("\nsecond  ok/attempts (writes)");
        long last = Math.min(writersStopped / 1000, oks.length() - 1);
        for (int s = (int) Math.max(0, faultAt / 1000 - 2); s <= last; s++) {
            System.out.printf(Locale.ROOT, "%6d  %d/%d%s%n", s, oks.get(s), attempts.get(s),
                    s == faultAt / 1000 ? "   <- fault" : s == mark / 1000 ? "   <- fault over" : "");
        }
        long firstOk = firstOkAfter.get();
        long lastZero = -1; // the last whole second after the fault's end with attempts and no success
        for (int s = (int) (mark / 1000) + 1; s < last; s++) {
            if (attempts.get(s) > 0 && oks.get(s) == 0) {
                lastZero = s;
            }
        }
        TreeSet<Long> after = new TreeSet<>();
        viewsSeen.forEach((number, at) -> {
            if (number > viewBefore) {
                after.add(number);
            }
        });
        System.out.println();
        System.out.printf(Locale.ROOT, "first successful write after the fault ended: %s%n",
                firstOk < 0 ? "none" : (firstOk - mark) + " ms");
        System.out.printf(Locale.ROOT, "last second with attempts and no success after the fault ended: %s%n",
                lastZero < 0 ? "none" : (lastZero * 1000 - mark) / 1000.0 + " s after");
        System.out.printf(Locale.ROOT, "views installed since the fault: %d %s; settled in view %d at %.1f s "
                        + "(%.1f s after the writers stopped)%n", after.size(), after, settled.path("number").asLong(),
                settledAt / 1000.0, (settledAt - writersStopped) / 1000.0);
        JsonNode primaryState = state(Integer.parseInt(settled.path("primary").asText()));
        if (primaryState != null) {
            for (JsonNode c : primaryState.path("caughtUp")) {
                System.out.printf(Locale.ROOT, "catch-up of node %s: %s, %,d bytes, %d ms%n", c.path("backup").asText(),
                        c.path("full").asBoolean() ? "full transfer" : "by log suffix", c.path("bytes").asLong(),
                        c.path("ticks").asLong() * 10);
            }
        }
        sampleMemory();
        printMemory("at the end");
        StringBuilder heap = new StringBuilder("heap in use after a full GC:");
        for (int id = 1; id <= NODES; id++) {
            heap.append(String.format(Locale.ROOT, "  node %d %s", id, heapAfterGc(nodes[id].pid())));
        }
        System.out.println(heap);
    }

    /** The heap in use right after a full collection, as {@code jcmd} reports it (the live data, near enough). */
    private static String heapAfterGc(long pid) {
        Path jcmd = Path.of(java()).resolveSibling("jcmd");
        try {
            new ProcessBuilder(jcmd.toString(), String.valueOf(pid), "GC.run").redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor();
            Process info = new ProcessBuilder(jcmd.toString(), String.valueOf(pid), "GC.heap_info")
                    .redirectErrorStream(true).start();
            String out = new String(info.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            info.waitFor();
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("used (\\d+)K").matcher(out);
            return m.find() ? Long.parseLong(m.group(1)) / 1024 + " MB" : "unknown";
        } catch (IOException e) {
            return "unknown (" + e.getMessage() + ")";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "unknown";
        }
    }

    // ---- the cluster ------------------------------------------------------------------------------------------

    /** A node as {@code ./kv node} starts it: with the JVM options it gives nodes ({@code KV_NODE_JAVA_OPTS}). */
    private Process startNode(int id, boolean join) throws IOException {
        List<String> command = new ArrayList<>(List.of(java()));
        String options = System.getenv("KV_NODE_JAVA_OPTS");
        if (options != null && !options.isBlank()) {
            command.addAll(List.of(options.trim().split("\\s+")));
        }
        command.addAll(List.of("-cp", nodeJar.toString(), "kvstore.node.cli.NodeMain", "--id",
                String.valueOf(id), "--port", String.valueOf(ports[id]), join ? "--join" : "--new-cluster",
                "--exit-with-parent", String.valueOf(ProcessHandle.current().pid()), "--log-level", "WARNING"));
        if (data != null) {
            command.addAll(List.of("--data-dir", data.resolve("node-" + id).toString()));
        }
        return start(command, logs.resolve("node-" + id + ".log"));
    }

    private static Process start(List<String> command, Path log) throws IOException {
        return new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
    }

    private void stopAll() {
        if (controller != null) {
            controller.destroyForcibly();
        }
        for (Process p : nodes) {
            if (p != null && p.isAlive()) { // stopAll runs twice: after the run, and from the shutdown hook
                signal("CONT", p.pid());
                p.destroyForcibly();
            }
        }
    }

    private String nodeList() {
        List<String> all = new ArrayList<>();
        for (int id = 1; id <= NODES; id++) {
            all.add(id + "=" + address(id));
        }
        return String.join(",", all);
    }

    private String address(int id) {
        return "127.0.0.1:" + ports[id];
    }

    /** A view every node holds, whose backups are all synced (null while there is none). */
    private JsonNode settledView() {
        JsonNode common = null;
        boolean allSynced = true;
        for (int id = 1; id <= NODES; id++) {
            JsonNode s = state(id);
            if (s == null || s.path("view").isNull() || common != null && !common.equals(s.path("view"))) {
                return null;
            }
            common = s.path("view");
            allSynced &= s.path("synced").asBoolean();
        }
        return allSynced && common.path("backups").size() == NODES - 1 ? common : null;
    }

    private JsonNode awaitSettled(long timeoutMs) throws InterruptedException {
        long deadline = System.currentTimeMillis() + timeoutMs;
        while (System.currentTimeMillis() < deadline) {
            JsonNode v = settledView();
            if (v != null) {
                return v;
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("the cluster did not settle within " + timeoutMs + " ms; logs in " + logs);
    }

    private JsonNode state(int id) {
        try (HttpConnection c = new HttpConnection(address(id), TIMEOUT)) {
            HttpResponseReader.Response r = c.send("GET", "/view/state", Map.of(), null);
            return r.status() == 200 ? Json.MAPPER.readTree(r.body()) : null;
        } catch (IOException e) {
            return null;
        }
    }

    // ---- load, writers, sampling ------------------------------------------------------------------------------

    private void load(int keys, String primary) throws InterruptedException {
        int threads = 16;
        AtomicLong next = new AtomicLong();
        List<Thread> loaders = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            loaders.add(Thread.ofPlatform().start(() -> {
                HttpConnection c = new HttpConnection(primary, TIMEOUT);
                for (long k = next.getAndIncrement(); k < keys; k = next.getAndIncrement()) {
                    while (!put(c, k, "v" + String.format(Locale.ROOT, "%019d", k))) {
                        c.close();
                        c = new HttpConnection(primary, TIMEOUT);
                    }
                }
                c.close();
            }));
        }
        for (Thread t : loaders) {
            t.join();
        }
    }

    private static boolean put(HttpConnection c, long key, String value) {
        try {
            return write(c, "key" + key, value);
        } catch (IOException e) {
            return false;
        }
    }

    /** Whether the write succeeded; an IOException when no answer came. */
    private static boolean write(HttpConnection c, String key, String value) throws IOException {
        Target.Request r = STORE.write(key, value);
        return STORE.ok(false, c.send(r.method(), r.path(), r.headers(), r.body()).status());
    }

    /** One writer: through one backup at first; to the next node whenever its node does not answer at all. */
    private void write(int firstNode, int keys, int seed) {
        java.util.SplittableRandom random = new java.util.SplittableRandom(seed);
        int node = firstNode;
        HttpConnection c = new HttpConnection(address(node), TIMEOUT);
        while (writing.get()) {
            long key = random.nextInt(keys);
            int second = (int) (elapsed() / 1000);
            boolean ok;
            try {
                ok = write(c, "key" + key, "w" + String.format(Locale.ROOT, "%019d",
                        random.nextLong(Long.MAX_VALUE) % 10_000_000_000L));
            } catch (IOException e) {
                ok = false;
                c.close();
                node = node % NODES + 1;
                c = new HttpConnection(address(node), TIMEOUT);
            }
            if (second < attempts.length()) {
                attempts.incrementAndGet(second);
                if (ok) {
                    oks.incrementAndGet(second);
                }
            }
            if (ok) {
                writesOk.incrementAndGet();
            }
            long now = elapsed();
            if (ok && now >= mark) {
                firstOkAfter.compareAndSet(-1, now);
            }
        }
        c.close();
    }

    private void sample() {
        while (!Thread.currentThread().isInterrupted()) {
            for (int id = 1; id <= NODES; id++) {
                JsonNode s = state(id);
                if (s != null && !s.path("view").isNull()) {
                    viewsSeen.putIfAbsent(s.path("view").path("number").asLong(), elapsed());
                }
            }
            sampleMemory();
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private void sampleMemory() {
        for (int id = 1; id <= NODES; id++) {
            peakRss[id] = Math.max(peakRss[id], rssKb(nodes[id].pid()));
        }
    }

    private void printMemory(String when) {
        StringBuilder s = new StringBuilder("resident memory " + when + ":");
        for (int id = 1; id <= NODES; id++) {
            s.append(String.format(Locale.ROOT, "  node %d %d MB (peak %d MB)", id, rssKb(nodes[id].pid()) / 1024,
                    peakRss[id] / 1024));
        }
        System.out.println(s);
    }

    private static long rssKb(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(pid), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException | RuntimeException e) {
            // the process is gone
        }
        return 0;
    }

    private long elapsed() {
        return System.currentTimeMillis() - started;
    }

    private static void signal(String signal, long pid) {
        try {
            kvstore.jepsen.NodeProcess.signal(pid, signal);
        } catch (IOException e) {
            throw new IllegalStateException("cannot send SIG" + signal + " to " + pid, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static String java() {
        return ProcessHandle.current().info().command().orElse("java");
    }
}
