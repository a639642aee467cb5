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
 * results over two values, so that verdicts go both ways.
 */
final class RandomHistories {
    private static final String[] VALUES = {"a", "b"};
    private static final OpKind[] KINDS = OpKind.values();

    private RandomHistories() {
    }

    static List<Event> generate(long seed, int maxOps, int processes, int keys) {
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
                OpKind kind = KINDS[random.nextInt(KINDS.length)];
                String key = "k" + random.nextInt(keys);
                Object value = switch (kind) {
                    case GET, DELETE -> null;
                    case PUT, APPEND -> pick(random);
                    case CAS -> new CasArgument(random.nextInt(3) == 0 ? null : pick(random), pick(random));
                };
                open[p] = Event.invoke(Integer.toString(p), kind, key, value);
                events.add(open[p]);
                invoked++;
            } else if (random.nextInt(10) == 0 && invoked == ops) {
                open[p] = null; // left open: the history ends with it pending
            } else {
                Event inv = open[p];
                int r = random.nextInt(20);
                EventType type = r < 15 ? EventType.OK : r < 17 ? EventType.FAIL : EventType.INFO;
                Object value = inv.f() == OpKind.GET && type == EventType.OK
                        ? (random.nextInt(3) == 0 ? null : pick(random)) : inv.value();
                events.add(Event.completion(inv.process(), type, inv.f(), inv.key(), value));
                open[p] = null;
            }
        }
        return events;
    }

    /**
     * As {@link #generate}, one key, but every write writes a value of its own ("v0", "v1", ...), as the
     * simulator's and Jepsen's register workloads do; reads and cas expect any value written before, after or
     * never, or absent. {@code putsAndGetsOnly}: the histories the reads-from reasoning decides exactly.
     */
    static List<Event> generateDistinct(long seed, int maxOps, int processes, boolean putsAndGetsOnly) {
        return generateDistinct(seed, maxOps, processes, putsAndGetsOnly, false);
    }

    /** As above; {@code empties}: the first write may write "", and reads may return "" (absent or that write). */
    static List<Event> generateDistinct(long seed, int maxOps, int processes, boolean putsAndGetsOnly,
                                        boolean empties) {
        SplittableRandom random = new SplittableRandom(seed);
        boolean emptyWrite = empties && random.nextBoolean();
        OpKind[] kinds = putsAndGetsOnly ? new OpKind[] {OpKind.GET, OpKind.PUT}
                : new OpKind[] {OpKind.GET, OpKind.PUT, OpKind.DELETE, OpKind.CAS, OpKind.GET, OpKind.PUT};
        int ops = 1 + random.nextInt(maxOps);
        List<Event> events = new ArrayList<>();
        Event[] open = new Event[processes];
        int invoked = 0;
        int written = 0;
        while (invoked < ops || anyOpen(open)) {
            int p = random.nextInt(processes);
            if (open[p] == null) {
                if (invoked == ops) {
                    continue;
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
                open[p] = Event.invoke(Integer.toString(p), kind, "x", value);
                events.add(open[p]);
                invoked++;
            } else if (random.nextInt(10) == 0 && invoked == ops) {
                open[p] = null; // left open: the history ends with it pending
            } else {
                Event inv = open[p];
                int r = random.nextInt(20);
                EventType type = r < 15 ? EventType.OK : r < 17 ? EventType.FAIL : EventType.INFO;
                Object value = inv.f() == OpKind.GET && type == EventType.OK
                        ? (empties && random.nextInt(4) == 0 ? "" : anyValue(random, written + 1)) : inv.value();
                events.add(Event.completion(inv.process(), type, inv.f(), inv.key(), value));
                open[p] = null;
            }
        }
        return events;
    }

    /**
     * One key built by appends of short pieces (some appended twice, as a retried append does), with puts and
     * deletes now and then; reads return the concatenation of a random few pieces, on a put's value or not.
     */
    static List<Event> generateAppends(long seed, int maxOps, int processes) {
        SplittableRandom random = new SplittableRandom(seed);
        String[] pieces = {"a", "b", "c", "xy"};
        int ops = 1 + random.nextInt(maxOps);
        List<Event> events = new ArrayList<>();
        Event[] open = new Event[processes];
        int invoked = 0;
        int puts = 0;
        while (invoked < ops || anyOpen(open)) {
            int p = random.nextInt(processes);
            if (open[p] == null) {
                if (invoked == ops) {
                    continue;
                }
                int r = random.nextInt(10);
                OpKind kind = r < 4 ? OpKind.APPEND : r < 8 ? OpKind.GET : r < 9 ? OpKind.PUT : OpKind.DELETE;
                Object value = switch (kind) {
                    case APPEND -> pieces[random.nextInt(pieces.length)];
                    case PUT -> "P" + puts++;
                    default -> null;
                };
                open[p] = Event.invoke(Integer.toString(p), kind, "x", value);
                events.add(open[p]);
                invoked++;
            } else if (random.nextInt(10) == 0 && invoked == ops) {
                open[p] = null;
            } else {
                Event inv = open[p];
                int r = random.nextInt(20);
                EventType type = r < 16 ? EventType.OK : r < 18 ? EventType.FAIL : EventType.INFO;
                Object value = inv.value();
                if (inv.f() == OpKind.GET && type == EventType.OK) {
                    StringBuilder read = new StringBuilder(puts > 0 && random.nextInt(3) == 0
                            ? "P" + random.nextInt(puts) : "");
                    for (int i = random.nextInt(4); i > 0; i--) {
                        read.append(pieces[random.nextInt(pieces.length)]);
                    }
                    value = read.isEmpty() && random.nextBoolean() ? null : read.toString();
                }
                events.add(Event.completion(inv.process(), type, inv.f(), inv.key(), value));
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
