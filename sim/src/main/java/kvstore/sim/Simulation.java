package kvstore.sim;

import kvstore.checker.history.Event;
import kvstore.checker.history.History;
import kvstore.core.control.Controller;
import kvstore.core.control.ControllerConfig;
import kvstore.core.Address;
import kvstore.core.Message;
import kvstore.core.Message.ClientReply;
import kvstore.core.NodeState;
import kvstore.core.Replica;
import kvstore.core.ReplicaConfig;
import kvstore.core.Send;
import kvstore.core.View;
import kvstore.sim.nemesis.Fault;
import kvstore.sim.nemesis.FaultSchedule;
import kvstore.sim.network.Network;
import kvstore.sim.operator.GraderOperator;
import kvstore.sim.workload.Client;
import kvstore.sim.workload.ClientContext;
import kvstore.sim.workload.HistoryRecorder;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.SplittableRandom;

/**
 * A whole cluster in one thread: replicas, clients, the failover controllers, the network and the nemesis,
 * driven by a discrete-event loop over a virtual clock and one seeded random source. The same seed and schedule
 * give the same run, event for event. The replicas and controllers are the production cores, unchanged; they
 * talk only over the simulated network, and faults enter only through the network, the clock and crashes.
 */
public final class Simulation {
    private static final long SETTLED_CHECK_EVERY = 20_000;
    private static final long GIVE_UP_AT = 120_000_000; // two virtual minutes: a run that has not ended is stuck
    /**
     * Once the faults stop (the final phase), the cluster must settle and serve the final reads within this: a
     * cluster that keeps changing views, or a transfer that never completes, fails the run (the largest store's
     * transfer on the slowest link takes under a second, a controller's longest wait a few).
     */
    public static final long SETTLE_BOUND = 20_000_000;
    private static final long MAX_MESSAGES = 2_000_000;  // a message storm is a bug too: stop and report it
    private static final long REFUSAL_MICROS = 200;      // how soon a sender hears that a dead node refused it

    private final SimConfig config;
    private final FaultSchedule schedule;
    private final SplittableRandom random;
    private final long storeQuota;
    private final Network network;
    private final PriorityQueue<Scheduled> queue = new PriorityQueue<>();
    private final Map<String, Replica> replicas = new LinkedHashMap<>();
    private final Map<String, Long> incarnations = new LinkedHashMap<>(); // each node's life, counted from 1
    private final Map<String, Client> clients = new LinkedHashMap<>();
    private final List<String> nodes = new ArrayList<>();
    private final HistoryRecorder history = new HistoryRecorder(this::now);
    private final Map<String, Controller> controllers = new LinkedHashMap<>(); // null while crashed
    private final Map<String, Long> controllerLives = new LinkedHashMap<>();
    private int viewsDecided;
    private View newestDecided; // the nemesis's knowledge, to spare the last node that could vouch for it
    private final SimConfig.Views views;    // who decides the views in this run
    private final ReplicaConfig replicaConfig;    // the replicas' configuration in this run
    private final Map<String, String> loaded;      // the store every founding node starts with (often empty)
    private final SimulatedDisks disks;            // null: the nodes keep nothing on disk in this run
    private GraderOperator operator;        // null unless an operator decides (or decided) views
    private boolean operatorInCharge;
    private boolean controllersRunning;
    private int faultsActive;               // partitions, cut links, crashed and paused nodes in effect now
    /** Paused nodes, each with what was sent to it meanwhile (deliveries to make, in order, when it resumes). */
    private final Map<String, List<Runnable>> paused = new java.util.TreeMap<>();
    private long calmSince;                 // when faultsActive last changed
    private long faultSince;                // when faultsActive last rose from 0
    private final List<long[]> faultWindows = new ArrayList<>(); // when some fault was in effect: [from, to)
    private long finishedAt;
    private final List<String> availabilityViolations = new ArrayList<>();
    private final List<String> invariantViolations = new ArrayList<>();
    private final Invariants invariants = new Invariants(replicas, this::canTalk,
            this::currentStep);
    private long steps;                     // events taken so far
    private String stepLabel;               // what the current event is, unless it delivers a message:
    private String stepFrom;                // the message it delivers, from and to whom
    private String stepTo;
    private Message stepMessage;
    private final StringBuilder trace;
    private long now;
    private long sequence;
    private long delivered;
    private boolean finalPhase;
    private long finalPhaseSince;
    private boolean finished;

    private record Scheduled(long time, long order, Runnable action) implements Comparable<Scheduled> {
        @Override
        public int compareTo(Scheduled o) {
            int c = Long.compare(time, o.time);
            return c != 0 ? c : Long.compare(order, o.order);
        }
    }

    public Simulation(SimConfig config, long seed, FaultSchedule schedule, boolean keepTrace) {
        this.config = config;
        this.replicaConfig = config.replicaFor(seed);
        this.storeQuota = storeQuotaFor(seed);
        this.loaded = loadedStore(config.storeKeysFor(seed), seed);
        this.schedule = schedule;
        this.random = new SplittableRandom(seed);
        this.network = new Network(random.split(), schedule.dropRate(), schedule.duplicateRate(),
                schedule.meanDelayMicros(), schedule.bytesPerMicro());
        this.trace = keepTrace ? new StringBuilder() : null;
        this.views = config.views().forSeed(seed);
        // A random source of their own: a run without disks draws exactly as it did before disks existed.
        this.disks = config.disks().forSeed(seed) ? new SimulatedDisks(new SplittableRandom(seed ^ 0xD15C0L),
                new DiskEvents(), !loaded.isEmpty()) : null;
    }

    /** Runs to the end: the workload, then the faults stop, then every key is read. */
    public RunResult run() {
        for (int i = 1; i <= config.nodes(); i++) {
            String n = "n" + i;
            nodes.add(n);
            incarnations.put(n, 1L);
            // The prototype's nodes start not knowing whether they found a cluster; controllers need voters.
            Replica replica = firstLife(n, 1);
            if (disks != null) {
                disks.firstLife(n, replica);
            }
            replica.load(loaded);
            replicas.put(n, replica);
        }
        List<String> keys = new ArrayList<>();
        for (int k = 0; k < config.keys(); k++) {
            keys.add("k" + k);
        }
        ClientContext world = new ClientWorld();
        int perClient = config.operations() / config.clients();
        for (int c = 1; c <= config.clients(); c++) {
            int ops = perClient + (c <= config.operations() % config.clients() ? 1 : 0);
            Client client = new Client(c, world, history, random.split(), keys, ops, config.retries(),
                    config.clientTimeoutMicros(), config.mix(), loaded.isEmpty());
            clients.put(client.name(), client);
        }
        for (int c = 1; c <= config.controllers(); c++) {
            String name = "ctl" + c; // clients are c1, c2, ...
            controllerLives.put(name, 0L);
            controllers.put(name, null);
        }
        long duration = (long) config.operations() * 3_000L / config.clients();
        long handOverAt = (long) (duration * (0.2 + 0.4 * random.nextDouble()));
        switch (views) {
            case CONTROLLERS -> startControllers();
            case OPERATOR -> startOperator();
            case OPERATOR_THEN_CONTROLLERS -> {
                startOperator();
                at(handOverAt, this::handOverToControllers);
            }
            case CONTROLLERS_THEN_OPERATOR -> {
                startControllers();
                at(handOverAt, this::handOverToOperator);
            }
            case DRAWN -> throw new IllegalStateException("a run's mode is drawn before it starts");
        }
        if (disks != null) {
            note(disks.describe());
        }
        for (Fault f : schedule.faults()) {
            at(f.at(), () -> inject(f));
        }
        at(SimConfig.TICK_MICROS, this::tickAll);
        at(50_000, () -> clients.values().forEach(Client::start));

        while (!queue.isEmpty() && !finished && now < GIVE_UP_AT && delivered < MAX_MESSAGES
                && !(finalPhase && now - finalPhaseSince > SETTLE_BOUND)) {
            Scheduled next = queue.poll();
            now = next.time;
            steps++;
            stepLabel = "timer";
            stepMessage = null;
            next.action.run();
            invariants.afterStep(stepMessage != null && replicas.containsKey(stepTo) ? stepTo : null);
            if (invariants.broken() != null) {
                note("INVARIANT " + invariants.broken());
                invariantViolations.add(invariants.broken());
                break;
            }
            if (operatorInCharge) {
                operator.observe();
            }
            if (!finalPhase && clients.values().stream().allMatch(c -> c.remaining() == 0 && !c.busy())) {
                beginFinalPhase(keys);
            }
        }
        if (finished) {
            checkLoadedStore();
        }
        History h = history.history();
        List<Event> events = history.events();
        return new RunResult(events, h, trace == null ? "" : trace.toString(), delivered, now,
                finished, replicas, List.copyOf(availabilityViolations), List.copyOf(invariantViolations), views,
                viewsDecided, Availability.of(events, faultWindows), finished ? finishedAt - finalPhaseSince : -1);
    }

    // ---- the event loop's parts -------------------------------------------------------------------------------

    private void at(long time, Runnable action) {
        queue.add(new Scheduled(time, sequence++, action));
    }

    private void tickAll() {
        stepLabel = "tick";
        for (Map.Entry<String, Replica> r : replicas.entrySet()) {
            if (r.getValue() != null && !paused.containsKey(r.getKey())) {
                dispatch(r.getKey(), guarded(r.getKey(), r.getValue()::onTick));
            }
        }
        for (Map.Entry<String, Controller> c : controllers.entrySet()) {
            if (c.getValue() != null) {
                dispatch(c.getKey(), guarded(c.getKey(), c.getValue()::onTick));
            }
        }
        invariants.onTick(now);
        at(now + SimConfig.TICK_MICROS, this::tickAll);
    }

    private void startControllers() {
        controllersRunning = true;
        controllers.keySet().forEach(this::restartController);
    }

    private void startOperator() {
        operator = new GraderOperator(new OperatorWorld(), random.split());
        operatorInCharge = true;
        List<String> backups = nodes.subList(1, nodes.size());
        at(1_000, () -> operator.start(new GraderOperator.Decision(nodes.getFirst(), backups)));
    }

    /**
     * Every controller stops; once whatever they sent has long arrived (a view message can be half a second late),
     * the operator takes the cluster back by hand: the node synced in the newest view leads every live node.
     */
    private void handOverToOperator() {
        if (finalPhase) {
            return;
        }
        note("the controllers stop; the operator takes over in 700 ms");
        history.note("controllers stop");
        controllersRunning = false;
        controllers.replaceAll((name, c) -> null);
        at(now + 700_000, this::operatorTakesOver);
    }

    /** The operator takes the cluster back by hand: the node synced in the newest view leads every live node. */
    private void operatorTakesOver() {
        if (finalPhase) {
            return;
        }
        String primary = null;
        for (String n : nodes) {
            Replica r = replicas.get(n);
            if (r != null && r.mayLead() && (primary == null
                    || r.syncedView() > replicas.get(primary).syncedView())) {
                primary = n;
            }
        }
        if (primary == null) {
            if (disks != null) { // every node is down, and comes back from its disk
                at(now + 100_000, this::operatorTakesOver);
            }
            return; // nobody holds the state: the final phase restarts the nodes, and the run will not settle
        }
        List<String> backups = new ArrayList<>();
        for (String n : nodes) {
            if (!n.equals(primary) && replicas.get(n) != null) {
                backups.add(n);
            }
        }
        operator = new GraderOperator(new OperatorWorld(), random.split());
        operatorInCharge = true;
        operator.takeOver(new GraderOperator.Decision(primary, backups));
    }

    /**
     * The operator stops; once whatever it sent has long arrived, the controllers take the cluster over (the
     * common path of an operator who set a cluster up by hand and then turns on automatic failover).
     */
    private void handOverToControllers() {
        if (finalPhase) {
            return;
        }
        if (operator.installedSince() < 0 || operator.latest().members().size() != nodes.size()) {
            // Only from a view of every node, installed at each (docs/protocol.md, "Handing a cluster to a
            // controller"): a controller cannot order epoch-less views that only some nodes hold.
            at(now + 20_000, this::handOverToControllers);
            return;
        }
        note("the operator stops; the controllers take over in 300 ms");
        history.note("operator stops");
        operator.stop();
        operatorInCharge = false;
        at(now + 300_000, this::startControllers);
    }

    /** A controller's new life: it knows nothing, and names its ballots after this life. */
    private Controller newController(String name) {
        long life = controllerLives.merge(name, 1L, Long::sum);
        return new Controller(name + "#" + life, nodes,
                ControllerConfig.defaults().withBugs(config.replica().bugs()), random.split(),
                new Controller.Events() {
                    @Override
                    public void note(String text) {
                        Simulation.this.note(text);
                    }

                    @Override
                    public void decided(View view) {
                        viewsDecided++;
                        if (newestDecided == null || view.number() > newestDecided.number()) {
                            newestDecided = view;
                        }
                        invariants.decided(view, name);
                        history.note("view " + view.number() + ": primary " + view.primary() + ", backups "
                                + view.backups() + " (" + name + ")");
                    }
                });
    }

    private void dispatch(String from, List<Send> sends) {
        for (Send s : sends) {
            if (s.to() instanceof Address.Disk disk) {
                disks.write(disk.name(), s.message());
                continue;
            }
            if (s.message() instanceof ClientReply reply) {
                invariants.replySent(from, reply);
            }
            send(from, s.to().name(), s.message()); // names are unique across the run's kinds of endpoint
        }
    }

    /** The virtual clock, in microseconds since the run began. */
    private long now() {
        return now;
    }

    /** The typed address of a simulated endpoint: its kind is which of the run's registers holds its name. */
    private Address addressOf(String name) {
        if (incarnations.containsKey(name)) {
            return new Address.Node(name);
        }
        if (controllerLives.containsKey(name)) {
            return new Address.Controller(name);
        }
        return name.equals(GraderOperator.NAME) ? new Address.Operator(name) : new Address.Client(name);
    }

    /**
     * A step of a replica or controller. An assertion of the core that fails (or any exception it throws) breaks
     * the run at this step, with the trace so far, instead of ending the sweep.
     */
    private List<Send> guarded(String process, java.util.function.Supplier<List<Send>> step) {
        try {
            return step.get();
        } catch (AssertionError | RuntimeException e) {
            invariants.assertionFailed(process, e);
            return List.of();
        }
    }

    /** Whether messages flow both ways between two nodes now (a paused node reads nothing). */
    private boolean canTalk(String a, String b) {
        return !network.isBlocked(a, b) && !network.isBlocked(b, a) && !paused.containsKey(a)
                && !paused.containsKey(b);
    }

    /** The event being taken, in words, for a broken rule's report. */
    private String currentStep() {
        String what = stepMessage == null ? stepLabel : stepFrom + "->" + stepTo + " " + TraceText.of(stepMessage);
        return "step " + steps + " at " + now + " us (" + what + ")";
    }

    /**
     * A node restarting after a crash: from its disk, if it keeps one; otherwise empty, and it may not lead until a
     * view has given it the state.
     */
    private Replica restarted(String node) {
        long life = incarnations.merge(node, 1L, Long::sum);
        return limited(disks != null ? disks.restart(node, life, replicaConfig, l -> firstLife(node, l))
                : new Replica(node, life, replicaConfig));
    }

    /** Every life of every node has the run's store quota, as production gives every node the same. */
    private Replica limited(Replica replica) {
        replica.limitStore(storeQuota);
        return replica;
    }

    /**
     * The store quota of a seed's run: in one run in four, small enough (60 to 260 bytes, as Sizes counts them) that
     * writes meet it often and are refused (certainly not applied, which the checker holds them to); otherwise
     * none. A random source of its own: the other draws of a seed are as they were before quotas.
     */
    public static long storeQuotaFor(long seed) {
        SplittableRandom r = new SplittableRandom(seed ^ 0x9007AL);
        return r.nextInt(4) == 0 ? 60 + r.nextInt(200) : Long.MAX_VALUE;
    }

    /** A node as it starts the first time: the prototype's nodes ask whether they found a cluster. */
    private Replica firstLife(String node, long life) {
        return limited(views == SimConfig.Views.OPERATOR ? Replica.asking(node, life, replicaConfig)
                : Replica.founding(node, life, replicaConfig));
    }

    /**
     * A node's crash: its memory is gone, and so is what its disk did not sync. Its disk may also be damaged if
     * another node holds everything (the store survives a lost disk only so).
     */
    private void crash(String node, boolean mayDamage) {
        boolean elsewhere = mayDamage && disks != null && mayLoseState(node);
        replicas.put(node, null);
        if (disks != null) {
            disks.crash(node, elsewhere);
        }
        if (paused.remove(node) != null) { // its backlog dies with it, and the pause is over
            faultEnds();
        }
        faultBegins();
    }

    /** What the simulated disks tell the run. */
    private final class DiskEvents implements SimulatedDisks.Events {
        @Override
        public void at(long time, Runnable action) {
            Simulation.this.at(time, action);
        }

        @Override
        public long now() {
            return now;
        }

        @Override
        public void note(String text) {
            Simulation.this.note(text);
        }

        @Override
        public void unprovable(String node, RuntimeException why) {
            invariants.assertionFailed(node, why);
        }

        @Override
        public void stalled(boolean begins) {
            if (begins) {
                note("disk stalls");
                faultBegins();
            } else {
                faultEnds();
            }
        }

        /** A sync completed: the node hears it (when it runs again, if paused). */
        @Override
        public void persisted(String node, long upTo) {
            Replica replica = replicas.get(node);
            if (replica == null) {
                return;
            }
            Runnable deliver = () -> {
                if (replicas.get(node) == replica) {
                    stepLabel = "disk of " + node + ": " + upTo + " records durable";
                    dispatch(node, guarded(node, () -> replica.onMessage(new Address.Disk(node),
                            new Message.Persisted(upTo))));
                }
            };
            List<Runnable> backlog = paused.get(node);
            if (backlog != null) {
                backlog.add(deliver);
            } else {
                deliver.run();
            }
        }
    }

    /** A message reached its destination: counted, and traced when the run keeps a trace. */
    private void arrived(String from, String to, Message message) {
        delivered++;
        stepFrom = from;
        stepTo = to;
        stepMessage = message;
        noteMessage(from, to, message);
    }

    private void noteMessage(String from, String to, Message message) {
        if (trace != null) { // building the line costs more than delivering the message
            note(from + "->" + to + " " + TraceText.of(message));
        }
    }

    private void send(String from, String to, Message message) {
        Network.Fate fate = network.fate(from, to, message, now);
        if (fate.delays().length == 0 && trace != null) {
            note("drop " + from + "->" + to + " " + TraceText.of(message));
        }
        long[] delays = fate.delays();
        if (delays.length > 1 && clients.containsKey(to)) {
            // An answer to a client's request comes once, as an HTTP response does: the client counts on that to
            // know which of its attempts are answered.
            delays = new long[] {delays[0]};
        }
        for (long delay : delays) {
            if ((message instanceof Message.NewView || message instanceof Message.PassOn) && random.nextInt(4) == 0) {
                // One view message in four is very late, as the first operator's were: a deposed primary goes on
                // believing it leads, and a view (or a number passed on for it) may arrive after it was replaced
                // (and after nodes restarted).
                delay += 100_000 + random.nextInt(400_000);
            }
            long arrival = now + delay;
            at(arrival, () -> deliver(from, to, message));
        }
    }

    private void deliver(String from, String to, Message message) {
        if (to.equals(GraderOperator.NAME)) {
            if (operator != null && message instanceof Message.ViewReply reply) {
                arrived(from, to, message);
                operator.onReply(from, reply);
            }
            return;
        }
        if (controllers.containsKey(to)) {
            Controller controller = controllers.get(to);
            if (controller != null) {
                arrived(from, to, message);
                dispatch(to, guarded(to, () -> controller.onMessage(addressOf(from), message)));
            }
            return;
        }
        Client client = clients.get(to);
        if (client != null) {
            arrived(from, to, message);
            client.onReply(from, (ClientReply) message);
            return;
        }
        Replica replica = replicas.get(to);
        if (replica == null) {
            // Down: the message is lost. A node that sent it learns so at once, as from a refused TCP connection
            // (a partition, unlike a dead process, answers nothing).
            if (replicas.get(from) != null && nodes.contains(to) && !network.isBlocked(to, from)) {
                at(now + REFUSAL_MICROS, () -> deliver(to, from, new Message.Unreachable()));
            }
            return;
        }
        List<Runnable> backlog = paused.get(to);
        if (backlog != null) { // it reads nothing now: the message waits in its socket until it resumes
            backlog.add(() -> deliver(from, to, message));
            return;
        }
        arrived(from, to, message);
        if (message instanceof Message.Ack ack) {
            invariants.ackArrived(to, from, ack);
        }
        dispatch(to, guarded(to, () -> replica.onMessage(addressOf(from), message)));
    }

    private void inject(Fault fault) {
        if (finalPhase) {
            return;
        }
        stepLabel = "nemesis: " + fault;
        switch (fault) {
            case Fault.Partition p -> {
                history.note("partition " + p.groups() + (p.oneWay() ? " one-way" : ""));
                note("nemesis: partition " + p.groups() + (p.oneWay() ? " one-way" : ""));
                cut(p, true);
                faultBegins();
                at(p.healAt(), () -> {
                    note("nemesis: heal " + p.groups());
                    cut(p, false); // only this partition's cuts: overlapping ones stay until their own heal
                    faultEnds();
                });
            }
            case Fault.CutLinks c -> {
                history.note("cut " + c.links());
                note("nemesis: cut " + c.links());
                c.links().forEach(l -> network.block(l.from(), l.to()));
                faultBegins();
                at(c.healAt(), () -> {
                    note("nemesis: restore " + c.links());
                    c.links().forEach(l -> network.unblock(l.from(), l.to()));
                    faultEnds();
                });
            }
            case Fault.Crash c -> {
                if (!safeToCrash(c.node())) {
                    note("nemesis: spare " + c.node() + " (see safeToCrash: the last holder of every acknowledged "
                            + "write, the last voters of a majority, or the last member able to vouch for the newest "
                            + "view)");
                    return;
                }
                note("nemesis: crash " + c.node());
                history.note("crash " + c.node());
                crash(c.node(), true);
                at(c.restartAt(), () -> {
                    if (replicas.get(c.node()) == null) {
                        note("nemesis: restart " + c.node());
                        replicas.put(c.node(), restarted(c.node()));
                        faultEnds();
                    }
                });
            }
            case Fault.Pause p -> {
                if (replicas.get(p.node()) == null || paused.containsKey(p.node())) {
                    return;
                }
                note("nemesis: pause " + p.node());
                history.note("pause " + p.node());
                List<Runnable> backlog = new ArrayList<>();
                paused.put(p.node(), backlog);
                faultBegins();
                at(p.resumeAt(), () -> {
                    if (paused.get(p.node()) == backlog) { // not a later pause, after a crash ended this one
                        resume(p.node());
                    }
                });
            }
            case Fault.CrashAll c -> {
                if (disks == null) {
                    note("nemesis: spare the cluster a crash of every node (they keep nothing on disk in this run)");
                    return;
                }
                List<String> down = nodes.stream().filter(n -> replicas.get(n) != null).toList();
                note("nemesis: crash every node at once " + down);
                history.note("crash all " + down);
                down.forEach(n -> crash(n, false)); // every disk kept whole: nobody else holds anything
                at(c.restartAt(), () -> {
                    for (String n : down) {
                        if (replicas.get(n) == null) {
                            note("nemesis: restart " + n);
                            replicas.put(n, restarted(n));
                            faultEnds();
                        }
                    }
                });
            }
            case Fault.CrashPrimary c -> {
                String primary = currentPrimary();
                if (primary != null) {
                    inject(new Fault.Crash(c.at(), primary, c.restartAt()));
                }
            }
            case Fault.Failover f -> {
                note("nemesis: ask whoever decides views to move the primary");
                controllers.values().stream().filter(java.util.Objects::nonNull).forEach(Controller::requestMove);
                if (operatorInCharge) {
                    operator.requestFailover();
                }
            }
            case Fault.ControllerCrash c -> {
                if (controllers.get(c.controller()) == null) {
                    return;
                }
                note("nemesis: crash controller " + c.controller());
                history.note("crash " + c.controller());
                controllers.put(c.controller(), null);
                at(c.restartAt(), () -> restartController(c.controller()));
            }
        }
    }

    /** A paused node runs again: what was sent to it arrives now, in the order it was sent. */
    private void resume(String node) {
        List<Runnable> backlog = paused.remove(node);
        note("nemesis: resume " + node + " (" + backlog.size() + " messages waiting)");
        faultEnds();
        backlog.forEach(delivery -> at(now, delivery));
    }

    private void cut(Fault.Partition p, boolean block) {
        for (int g = 0; g < p.groups().size(); g++) {
            for (int h = g + 1; h < p.groups().size(); h++) {
                for (String a : p.groups().get(g)) {
                    for (String b : p.groups().get(h)) {
                        toggle(a, b, block);
                        if (!p.oneWay()) {
                            toggle(b, a, block);
                        }
                    }
                }
            }
        }
    }

    private void toggle(String from, String to, boolean block) {
        if (block) {
            network.block(from, to);
        } else {
            network.unblock(from, to);
        }
    }

    /** The live node leading the newest view (null: none serves now). */
    private String currentPrimary() {
        Replica best = null;
        for (Replica r : replicas.values()) {
            if (r != null && r.isPrimary() && !r.state().fenced()
                    && (best == null || r.view().number() > best.view().number())) {
                best = r;
            }
        }
        return best == null ? null : best.id();
    }

    private void restartController(String name) {
        if (controllersRunning && controllers.get(name) == null) {
            note("nemesis: restart controller " + name);
            controllers.put(name, newController(name));
        }
    }

    /**
     * The store promises durability while one synced replica of the view survives: never kill the last one. And
     * the controllers need a majority of nodes that remember their votes (a restarted node forgets them until a
     * controller restores it): never kill a voter if fewer would be left, or no failover could ever happen again.
     */
    private boolean safeToCrash(String node) {
        if (replicas.get(node) == null) {
            return false;
        }
        if (operatorInCharge && operator.eligible().stream().noneMatch(e -> !e.equals(node))) {
            return false; // the operator could never again find a node that holds everything (V2)
        }
        if (disks != null && !operatorRuns()) {
            return true; // it comes back with what it held, and with its vote
        }
        return mayLoseState(node);
    }

    /** Whether an operator decides the views now, or will once it takes over (no controller counts votes). */
    private boolean operatorRuns() {
        return views == SimConfig.Views.OPERATOR || views == SimConfig.Views.CONTROLLERS_THEN_OPERATOR
                && !controllersRunning;
    }

    /**
     * Whether the node may come back without its state (no disk, or a damaged one) and the store still keep its
     * promise: another node holds everything, and, where controllers count votes, enough voters remain and another
     * member can vouch for the newest view.
     */
    private boolean mayLoseState(String node) {
        if (!holdsEverythingDurablyElsewhere(node)) {
            return false;
        }
        if (operatorRuns()) {
            return holdsEverythingElsewhere(node); // no controller will count votes (any more)
        }
        long votersLeft = replicas.values().stream()
                .filter(r -> r != null && !r.id().equals(node) && r.state().voter()).count();
        if (votersLeft < nodes.size() / 2 + 1) {
            return false;
        }
        // Nor the last member, able to vouch for it, of the newest view decided or being decided: if a one-node
        // view's only member dies, nobody can tell whether it acknowledged writes before it died, and the
        // controllers rightly wait for ever (docs/protocol.md, limits).
        List<View> newestViews = new ArrayList<>();
        if (newestDecided != null) {
            newestViews.add(newestDecided);
        }
        controllers.values().stream().filter(java.util.Objects::nonNull).map(Controller::deciding)
                .filter(java.util.Objects::nonNull).forEach(newestViews::add);
        for (View v : newestViews) {
            boolean anotherCanVouch = v.members().stream().anyMatch(m -> !m.equals(node) && replicas.get(m) != null
                    && replicas.get(m).state().voter());
            if (v.isMember(node) && !anotherCanVouch) {
                return false;
            }
        }
        return holdsEverythingElsewhere(node);
    }

    /**
     * Another live node whose disk holds the newest view's state (synced in it as its disk knows, and its durable
     * state of the chain it holds): in memory only, it would not survive its own crash (no disks: the same as
     * {@link #holdsEverythingElsewhere}).
     */
    private boolean holdsEverythingDurablyElsewhere(String node) {
        long newest = newestSyncedView();
        for (Replica r : replicas.values()) {
            if (r != null && !r.id().equals(node) && r.mayLead() && r.durableSyncedView() == newest
                    && java.util.Objects.equals(r.durableChain(), r.chain())) {
                return true;
            }
        }
        return false;
    }

    /** The newest view any live node was synced in. */
    private long newestSyncedView() {
        long newest = 0;
        for (Replica r : replicas.values()) {
            if (r != null) {
                newest = Math.max(newest, r.syncedView());
            }
        }
        return newest;
    }

    /** Another live node synced in the newest view any live node was synced in. */
    private boolean holdsEverythingElsewhere(String node) {
        long newest = newestSyncedView();
        int holders = 0;
        for (Replica r : replicas.values()) {
            if (r != null && r.mayLead() && r.syncedView() == newest && !r.id().equals(node)) {
                holders++;
            }
        }
        return holders > 0;
    }

    private void beginFinalPhase(List<String> keys) {
        finalPhase = true;
        finalPhaseSince = now;
        note("final phase: heal, calm the network, restart every node, read every key");
        network.healAll();
        network.calm();
        for (String n : nodes) {
            if (replicas.get(n) == null) {
                replicas.put(n, restarted(n));
            }
        }
        controllers.keySet().forEach(this::restartController);
        Client finalReader = new Client(0, new ClientWorld(), history, random.split(), keys, 0, 0,
                config.clientTimeoutMicros(), config.mix(), true);
        clients.put(finalReader.name(), finalReader);
        if (faultsActive > 0) { // healed and restarted just now, or resumed just below
            faultWindows.add(new long[] {faultSince, now});
        }
        List.copyOf(paused.keySet()).forEach(this::resume); // their own resume events find them running
        waitForStableView(() -> finalReader.readEverything(() -> {
            finished = true;
            finishedAt = now;
        }));
    }

    private void waitForStableView(Runnable then) {
        if (settled()) {
            then.run();
            return;
        }
        at(now + SETTLED_CHECK_EVERY, () -> waitForStableView(then));
    }

    /** Every node is in one view that has them all, its primary serves it and every backup is synced in it. */
    private boolean settled() {
        View common = null;
        for (String n : nodes) {
            Replica r = replicas.get(n);
            if (r == null || r.view() == null || (common != null && !common.equals(r.view()))) {
                return false;
            }
            common = r.view();
        }
        if (common.members().size() != nodes.size()) {
            return false;
        }
        for (String n : nodes) {
            NodeState s = replicas.get(n).state();
            if (s.fenced() || !(s.synced() || n.equals(common.primary()))) {
                return false;
            }
        }
        return true;
    }

    /**
     * The keys loaded before the run, {@code keys} of them with 20-character values drawn from the seed (none when
     * {@code keys} is 0). Sorted: they are spread over the keyspace like the clients' own keys ("k0", "k1", ...), so
     * that a state transfer's pieces interleave with the operations the clients make meanwhile.
     */
    private static Map<String, String> loadedStore(int keys, long seed) {
        Map<String, String> store = new java.util.TreeMap<>();
        java.util.SplittableRandom r = new java.util.SplittableRandom(seed ^ 0x570BEL);
        for (int i = 0; i < keys; i++) {
            StringBuilder value = new StringBuilder(20);
            for (int c = 0; c < 20; c++) {
                value.append((char) ('a' + r.nextInt(26)));
            }
            store.put((i % 2 == 0 ? "j" : "l") + i, value.toString());
        }
        return store;
    }

    /**
     * After the run: every synced replica holds each loaded key with its loaded value (no client touches them), so
     * a transfer that lost, reordered or mixed up a piece of the state shows here, naming the node and a key.
     */
    private void checkLoadedStore() {
        if (loaded.isEmpty()) {
            return;
        }
        for (Replica r : replicas.values()) {
            if (r == null || !(r.isSynced() || r.isPrimary())) {
                continue;
            }
            Map<String, String> held = r.data();
            for (Map.Entry<String, String> e : loaded.entrySet()) {
                if (!e.getValue().equals(held.get(e.getKey()))) {
                    String v = "node " + r.id() + " (synced in view " + r.syncedView() + ") holds " + e.getKey()
                            + " = " + held.get(e.getKey()) + ", loaded as " + e.getValue();
                    note("INVARIANT " + v);
                    invariantViolations.add(v);
                    break;
                }
            }
        }
    }

    private void faultBegins() {
        if (faultsActive++ == 0) {
            faultSince = now;
        }
        faultChanged();
    }

    private void faultEnds() {
        if (--faultsActive == 0 && !finalPhase) { // (the final phase closed the window already)
            faultWindows.add(new long[] {faultSince, now});
        }
        faultChanged();
    }

    private void faultChanged() {
        calmSince = now;
        if (operator != null) {
            operator.faultChanged();
        }
    }

    /**
     * The availability property of the operator's runs: with no fault in effect, no message lost, and the
     * operator's last view installed at every member (its primary serving, every backup synced), no operation that
     * started then and was sent only to members may be answered "unavailable". Timeouts are the one exception: the
     * network's long tail (one message in fifty twenty times slower) is a fault of its own, and a timeout is how it
     * shows. After a fault ends, the window opens a failure-detection time later: a primary that took a backup for
     * unreachable while cut off from it refuses to order (R2a) until a message of the backup tells it otherwise,
     * which takes a heartbeat's round trip, and up to that long on the network's long tail.
     */
    private void checkAvailability(String client, long since, java.util.Set<String> tried,
                                   kvstore.core.Result r) {
        if (!operatorInCharge || finalPhase || faultsActive > 0 || schedule.dropRate() > 0
                || operator.installedSince() < 0 || r.isTimeout()) {
            return;
        }
        long windowSince = Math.max(operator.installedSince(),
                calmSince + replicaConfig.failureDetectionTicks() * SimConfig.TICK_MICROS);
        if (since >= windowSince && operator.members().containsAll(tried)) {
            String v = "at " + now + " us: " + client + " got 503 (" + r.detail() + ") from " + tried
                    + " although the view (" + operator.latest() + ") has been installed since " + windowSince
                    + " us and no fault is in effect";
            note("AVAILABILITY " + v);
            availabilityViolations.add(v);
        }
    }

    private void note(String text) {
        if (trace != null) {
            trace.append(now).append(' ').append(text).append('\n');
        }
    }

    private final class ClientWorld implements ClientContext {
        @Override
        public long now() {
            return now;
        }

        @Override
        public void send(String from, String to, Message message) {
            noteMessage(from, to, message);
            Simulation.this.send(from, to, message);
        }

        @Override
        public void after(long micros, Runnable action) {
            at(now + micros, action);
        }

        @Override
        public List<String> nodes() {
            return nodes;
        }

        @Override
        public void unavailable(String client, long since, java.util.Set<String> tried, kvstore.core.Result r) {
            checkAvailability(client, since, tried, r);
        }
    }

    private final class OperatorWorld implements GraderOperator.World {
        @Override
        public long now() {
            return now;
        }

        @Override
        public List<String> nodes() {
            return nodes;
        }

        @Override
        public Replica replica(String node) {
            return replicas.get(node);
        }

        @Override
        public void send(String to, Message message) {
            Simulation.this.send(GraderOperator.NAME, to, message);
        }

        @Override
        public boolean canTalk(String a, String b) {
            return Simulation.this.canTalk(a, b);
        }

        @Override
        public void after(long micros, Runnable action) {
            at(now + micros, action);
        }

        @Override
        public void note(String text) {
            Simulation.this.note(text);
            if (text.startsWith("operator: ") && !text.contains("again") && !text.contains("refused")) {
                history.note(text.substring("operator: ".length()));
            }
        }
    }
}
