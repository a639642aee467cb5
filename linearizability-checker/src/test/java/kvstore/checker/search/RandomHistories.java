package kvstore.checker.search;

import kvstore.checker.history.CasArgument;
import kvstore.checker.history.Event;
import kvstore.checker.history.EventType;
import kvstore.checker.history.OpKind;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Small arbitrary histories (not built to be linearizable): random interleavings of a few processes with random
 * results, so that verdicts go both ways. Three workloads: values from two ({@link #generate}), every write a
 * value of its own ({@link #generateDistinct}), appended pieces ({@link #generateAppends}).
 */
final class RandomHistories {
    private static final String[] VALUES = {"a", "b"};
    private static final OpKind[] KINDS = OpKind.values();

    /** What a workload invokes, and what an ok completion returns. */
    private interface Workload {
        Event invoke(SplittableRandom random, String process);

        /** The value of {@code invoke}'s completion of {@code type}. */
        Object result(SplittableRandom random, Event invoke, EventType type);
    }

    private RandomHistories() {
    }

    static List<Event> generate(long seed, int maxOps, int processes, int keys) {
        return interleave(seed, maxOps, processes, new Workload() {
            @Override
            public Event invoke(SplittableRandom random, String process) {
                OpKind kind = KINDS[random.nextInt(KINDS.length)];
                String key = "k" + random.nextInt(keys);
                Object value = switch (kind) {
                    case GET, DELETE -> null;
                    case PUT, APPEND -> pick(random);
                    case CAS -> new CasArgument(random.nextInt(3) == 0 ? null : pick(random), pick(random));
                };
                return Event.invoke(process, kind, key, value);
            }

            @Override
            public Object result(SplittableRandom random, Event invoke, EventType type) {
                return invoke.f() == OpKind.GET && type == EventType.OK
                        ? (random.nextInt(3) == 0 ? null : pick(random)) : invoke.value();
            }
        });
    }

    /**
     * One key; every write writes a value of its own ("v0", "v1", ...), as the simulator's and Jepsen's register
     * workloads do; reads and cas expect any value written before, after or never, or absent.
     * {@code putsAndGetsOnly}: the histories the reads-from reasoning decides exactly.
     */
    static List<Event> generateDistinct(long seed, int maxOps, int processes, boolean putsAndGetsOnly) {
        return generateDistinct(seed, maxOps, processes, putsAndGetsOnly, false);
    }

    /** As above; {@code empties}: the first write may write "", and reads may return "" (absent or that write). */
    static List<Event> generateDistinct(long seed, int maxOps, int processes, boolean putsAndGetsOnly,
                                        boolean empties) {
        OpKind[] kinds = putsAndGetsOnly ? new OpKind[] {OpKind.GET, OpKind.PUT}
                : new OpKind[] {OpKind.GET, OpKind.PUT, OpKind.DELETE, OpKind.CAS, OpKind.GET, OpKind.PUT};
        return interleave(seed, maxOps, processes, new Workload() {
            private int written;
            private Boolean emptyWrite;

            @Override
            public Event invoke(SplittableRandom random, String process) {
                if (emptyWrite == null) {
                    emptyWrite = empties && random.nextBoolean();
                }
                OpKind kind = kinds[random.nextInt(kinds.length)];
                Object value = switch (kind) {
                    case GET, DELETE -> null;
                    case PUT, APPEND -> {
                        String v = emptyWrite && written == 0 ? "" : "v" + written; // "" at most once
                        written++;
                        yield v;
                    }
                    case CAS -> new CasArgument(anyValue(random, written), "v" + written++);
                };
                return Event.invoke(process, kind, "x", value);
            }

            @Override
            public Object result(SplittableRandom random, Event invoke, EventType type) {
                return invoke.f() == OpKind.GET && type == EventType.OK
                        ? (empties && random.nextInt(4) == 0 ? "" : anyValue(random, written + 1)) : invoke.value();
            }
        });
    }

    /**
     * One key built by appends of short pieces (some appended twice, as a retried append does), with puts and
     * deletes now and then; reads return the concatenation of a random few pieces, on a put's value or not.
     */
    static List<Event> generateAppends(long seed, int maxOps, int processes) {
        String[] pieces = {"a", "b", "c", "xy"};
        return interleave(seed, maxOps, processes, new Workload() {
            private int puts;

            @Override
            public Event invoke(SplittableRandom random, String process) {
                int r = random.nextInt(10);
                OpKind kind = r < 4 ? OpKind.APPEND : r < 8 ? OpKind.GET : r < 9 ? OpKind.PUT : OpKind.DELETE;
                Object value = switch (kind) {
                    case APPEND -> pieces[random.nextInt(pieces.length)];
                    case PUT -> "P" + puts++;
                    default -> null;
                };
                return Event.invoke(process, kind, "x", value);
            }

            @Override
            public Object result(SplittableRandom random, Event invoke, EventType type) {
                if (invoke.f() != OpKind.GET || type != EventType.OK) {
                    return invoke.value();
                }
                StringBuilder read = new StringBuilder(puts > 0 && random.nextInt(3) == 0
                        ? "P" + random.nextInt(puts) : "");
                for (int i = random.nextInt(4); i > 0; i--) {
                    read.append(pieces[random.nextInt(pieces.length)]);
                }
                return read.isEmpty() && random.nextBoolean() ? null : read.toString();
            }
        });
    }

    /**
     * Up to {@code maxOps} operations of the workload by {@code processes} processes, interleaved at random: each
     * completes ok (3 in 4), fails or ends unknown, and some are left open at the end.
     */
    private static List<Event> interleave(long seed, int maxOps, int processes, Workload workload) {
        SplittableRandom random = new SplittableRandom(seed);
        int ops = 1 + random.nextInt(maxOps);
        List<Event> events = new ArrayList<>();
        Event[] open = new Event[processes];
        int invoked = 0;
        while (invoked < ops || anyOpen(open)) {
            int p = random.nextInt(processes);
            if (open[p] == null) {
                if (invoked == ops) {
                    continue;
                }
                open[p] = workload.invoke(random, Integer.toString(p));
                events.add(open[p]);
                invoked++;
            } else if (random.nextInt(10) == 0 && invoked == ops) {
                open[p] = null; // left open: the history ends with it pending
            } else {
                Event inv = open[p];
                int r = random.nextInt(20);
                EventType type = r < 15 ? EventType.OK : r < 17 ? EventType.FAIL : EventType.INFO;
                events.add(Event.completion(inv.process(), type, inv.f(), inv.key(),
                        workload.result(random, inv, type)));
                open[p] = null;
            }
        }
        return events;
    }

    /** Absent, or one of the values v0 .. v(bound-1) (v(bound-1) possibly never written). */
    private static String anyValue(SplittableRandom random, int bound) {
        return bound == 0 || random.nextInt(4) == 0 ? null : "v" + random.nextInt(bound);
    }

    private static boolean anyOpen(Event[] open) {
        for (Event e : open) {
            if (e != null) {
                return true;
            }
        }
        return false;
    }

    private static String pick(SplittableRandom random) {
        return VALUES[random.nextInt(VALUES.length)];
    }
}
