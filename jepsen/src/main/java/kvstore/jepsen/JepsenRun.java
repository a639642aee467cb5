package kvstore.jepsen;

import kvstore.checker.history.Event;
import kvstore.checker.history.EventType;
import kvstore.checker.history.History;
import kvstore.checker.history.OpKind;
import kvstore.checker.model.RegisterModel;
import kvstore.checker.search.CheckOptions;
import kvstore.checker.search.CheckResult;
import kvstore.checker.search.LinearizabilityChecker;
import kvstore.checker.search.Verdict;
import kvstore.node.cli.FreePorts;
import kvstore.sim.LostWrites;
import kvstore.sim.workload.HistoryRecorder;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One Jepsen-style run against real node processes: start the nodes (each behind a partition proxy), install the
 * first view, run the clients while the nemesis injects faults and the operator (or the failover controller)
 * reacts, heal everything, read
 * every key once more, then judge the history (linearizability, lost writes) and write the report folder. Every
 * process it starts is stopped when it ends, whether it ends well, fails or is interrupted.
 */
public final class JepsenRun {
    /**
     * What a run found.
     *
     * @param okWrites / okReads    acknowledged writes and successful reads: a run where the cluster never worked
     *                              would be trivially linearizable, so these must not be zero
     * @param problems              the cluster did not recover (a view refused or never established, no safe
     *                              promotion), or a key had no successful final read
     * @param failoverMillis        for each kill -9 of the primary, the time to the next successful write
     */
    public record Outcome(Verdict verdict, List<String> lostWrites, int unexpectedAnswers, int operations,
                          int okWrites, int okReads, List<String> problems, Path report, String summary,
                          List<Long> failoverMillis) {
        public boolean passed() {
            return verdict == Verdict.LINEARIZABLE && lostWrites.isEmpty() && unexpectedAnswers == 0
                    && problems.isEmpty() && okWrites > 0 && okReads > 0;
        }
    }

    private final RunSettings settings;

    JepsenRun(RunSettings settings) {
        this.settings = settings;
    }

    private static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (java.util.stream.Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    public Outcome run() throws IOException, InterruptedException {
        // A report folder used before (--out, or a test's fixed folder) must not hand this run an earlier run's
        // data directories: the nodes would come back with its writes, which this run's history never made.
        for (String leftOver : List.of("data", "logs", "tls")) {
            deleteRecursively(settings.out().resolve(leftOver));
        }
        Files.createDirectories(settings.out().resolve("logs"));
        Map<Long, NodeProcess> nodes = new LinkedHashMap<>();
        List<PartitionProxy> proxies = new ArrayList<>();
        Thread cleanup = new Thread(() -> stopAll(nodes, proxies), "jepsen-cleanup");
        Runtime.getRuntime().addShutdownHook(cleanup); // Ctrl-C of the harness stops the nodes too
        try {
            return runWith(nodes, proxies);
        } finally {
            stopAll(nodes, proxies);
            try {
                Runtime.getRuntime().removeShutdownHook(cleanup);
            } catch (IllegalStateException e) {
                // already shutting down: the hook runs anyway
            }
        }
    }

    private Outcome runWith(Map<Long, NodeProcess> nodes, List<PartitionProxy> proxies)
            throws IOException, InterruptedException {
        NemesisLog nemesisLog = new NemesisLog();
        // Over TLS, a throw-away authority issues each node a certificate, and one for the harness itself (its
        // clients, operator and controller).
        kvstore.node.tls.ThrowAwayPki pki = settings.tls() ? kvstore.node.tls.ThrowAwayPki.create("kv jepsen run")
                : null;
        javax.net.ssl.SSLContext harnessTls = pki == null ? null
                : pki.issue("harness", settings.tlsDir()).clientContext();
        NodeApi api = new NodeApi(Duration.ofSeconds(3), harnessTls);
        Nemesis.Links links = new Nemesis.Links();
        Map<Long, String> peerAddress = new LinkedHashMap<>();
        for (long id = 1; id <= settings.nodes(); id++) {
            NodeProcess node = new NodeProcess(id, FreePorts.one(), PartitionProxy.sourceAddressOf(id), settings,
                    settings.out().resolve("logs").resolve("node-" + id + ".log"),
                    pki == null ? null : pki.issue(kvstore.node.tls.TlsFiles.nodeName(id), settings.tlsDir()));
            nodes.put(id, node);
            long target = id;
            PartitionProxy proxy = new PartitionProxy(id, node.port(), from -> links.isCut(from, target));
            proxies.add(proxy);
            peerAddress.put(id, proxy.address());
        }
        for (NodeProcess node : nodes.values()) {
            node.start(false);
        }
        for (NodeProcess node : nodes.values()) {
            node.awaitAnswering(api, Duration.ofSeconds(60));
        }
        nemesisLog.record(settings.nodes() + " node processes up" + (settings.plantedBug() == null ? ""
                : " with the planted bug " + settings.plantedBug()));
        try (Failover operator = settings.controller() ? new ControllerFailover(nodes, peerAddress, api, nemesisLog, harnessTls)
                : new ViewOperator(nodes, peerAddress, api, nemesisLog)) {
            operator.installFirst();
            return runClients(nodes, proxies, links, operator, nemesisLog, api, harnessTls);
        }
    }

    private Outcome runClients(Map<Long, NodeProcess> nodes, List<PartitionProxy> proxies, Nemesis.Links links,
                               Failover operator, NemesisLog nemesisLog, NodeApi api,
                               javax.net.ssl.SSLContext tls) throws IOException, InterruptedException {

        List<String> keys = new ArrayList<>();
        for (int k = 0; k < settings.keys(); k++) {
            keys.add("k" + k);
        }
        HistoryRecorder history = new HistoryRecorder(() -> System.nanoTime() - nemesisLog.startNanos());
        nemesisLog.alsoInto(history);
        Latencies latencies = new Latencies();
        AtomicInteger unexpected = new AtomicInteger();
        long start = System.nanoTime();
        long faultsEnd = start + settings.duration().toNanos()
                - Math.min(settings.duration().toNanos() / 5, 2_000_000_000L);
        // The clients run for the duration, and in any case until the nemesis is done and a calm second has passed:
        // a slow restart must not leave the last fault without traffic.
        AtomicLong clientsEnd = new AtomicLong(start + settings.duration().toNanos());
        Nemesis nemesis = new Nemesis(settings, nodes, proxies, links, operator, nemesisLog, api);
        List<NodeProcess> targets = List.copyOf(nodes.values());
        MetricsScraper.Curves curves;
        try (MetricsScraper scraper = new MetricsScraper(targets, api, () -> System.nanoTime()
                - nemesisLog.startNanos());
             ExecutorService clients = Executors.newFixedThreadPool(settings.clients() + 1)) {
            try {
                List<Future<?>> running = new ArrayList<>();
                for (int c = 1; c <= settings.clients(); c++) {
                    running.add(clients.submit(new WorkloadClient(c, settings.clients(), settings.binding(), keys,
                            targets, tls, history, latencies, unexpected, clientsEnd::get, settings.seed())));
                }
                Future<?> faults = clients.submit(() -> {
                    nemesis.run(faultsEnd);
                    return null;
                });
                await(faults);
                clientsEnd.accumulateAndGet(System.nanoTime() + CALM_NANOS, Math::max);
                nemesisLog.record("nemesis done; clients run on until the end");
                for (Future<?> f : running) {
                    await(f);
                }
                curves = scraper.curves();
            } catch (InterruptedException | IOException | RuntimeException e) {
                clients.shutdownNow(); // do not wait for the clients' deadline, nor for the nemesis's schedule
                throw e;
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        long clientsStopped = System.nanoTime() - nemesisLog.startNanos();
        nemesisLog.record("clients stopped");
        List<String> problems = new ArrayList<>(operator.problems());
        problems.addAll(finalReads(api, operator, keys, history));

        History h = history.history();
        CheckResult check = LinearizabilityChecker.check(h, new RegisterModel(),
                CheckOptions.defaults().withTimeout(Duration.ofSeconds(120)));
        List<String> lost = LostWrites.find(h);
        int okWrites = latencies.okWrites();
        int okReads = latencies.okReads();
        List<Long> failovers = FailoverDelays.after(nemesis.primaryKills(), history, nemesisLog.startNanos());
        String summary = JepsenReport.summary(settings, check, lost, unexpected.get(), problems, latencies, seconds,
                nemesisLog, failovers);
        JepsenReport.write(settings.out(), history, check, summary, nemesisLog, curves, clientsStopped);
        return new Outcome(check.verdict(), lost, unexpected.get(), h.operations().size(), okWrites, okReads,
                problems, settings.out(), summary, failovers);
    }

    private static final long CALM_NANOS = 1_000_000_000L;

    /**
     * After the faults: every key read through the primary, as process 0 (what the lost-write check reads), tried
     * until it succeeds for up to 10 s. A key without a successful final read is a problem: the lost-write check
     * would have nothing to look at.
     */
    private static List<String> finalReads(NodeApi api, Failover operator, List<String> keys,
                                           HistoryRecorder history) throws InterruptedException {
        List<String> problems = new ArrayList<>();
        for (String key : keys) {
            long deadline = System.nanoTime() + 10_000_000_000L;
            boolean ok = false;
            while (!ok && System.nanoTime() < deadline) {
                history.record(Event.invoke("0", OpKind.GET, key, null));
                NodeApi.Answer a = api.get(operator.primaryAddress(), key);
                ok = a.status() == 200 || a.status() == 404;
                history.record(Event.completion("0", ok ? EventType.OK : EventType.FAIL, OpKind.GET, key,
                        a.status() == 200 ? a.body().path("value").asText() : null));
                if (!ok) {
                    Thread.sleep(100);
                }
            }
            if (!ok) {
                problems.add("the final read of " + key + " never succeeded");
            }
        }
        return problems;
    }

    private static void await(Future<?> f) throws InterruptedException, IOException {
        try {
            f.get();
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            throw new IllegalStateException("part of the run failed: " + e.getCause(), e.getCause());
        }
    }

    private static void stopAll(Map<Long, NodeProcess> nodes, List<PartitionProxy> proxies) {
        nodes.values().forEach(NodeProcess::destroy);
        proxies.forEach(PartitionProxy::close);
    }
}
