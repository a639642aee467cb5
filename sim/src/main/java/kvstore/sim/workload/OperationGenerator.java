package kvstore.sim.workload;

import kvstore.core.Command;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.random.RandomGenerator;

/**
 * What a client asks next: a key and a kind of operation drawn from the mix, and for a write a value no other
 * write has, so that a read names its writer. A cas expects the value the client last saw on its key (absence one
 * time in four). The simulator's clients and the Jepsen harness's workers draw their operations here alike.
 */
public final class OperationGenerator {
    private final String client;
    private final List<String> keys;
    private final OperationMix mix;
    private final boolean readsAll;
    private final RandomGenerator random;
    private final Map<String, String> lastSeen = new HashMap<>();
    private long written;

    /**
     * @param client   names the values it writes ("c3-17"), so they are unique across clients
     * @param readsAll whether whole-store reads are drawn (not against a large store: a get-all is its size); without,
     *                 the mix's whole-store reads are gets of one key
     */
    public OperationGenerator(String client, List<String> keys, OperationMix mix, boolean readsAll,
                              RandomGenerator random) {
        this.client = client;
        this.keys = List.copyOf(keys);
        this.mix = mix;
        this.readsAll = readsAll;
        this.random = random;
    }

    public List<String> keys() {
        return keys;
    }

    public Command next() {
        String key = keys.get(random.nextInt(keys.size()));
        int pick = random.nextInt(mix.total());
        if ((pick -= mix.get()) < 0) {
            return Command.get(key);
        } else if ((pick -= mix.put()) < 0) {
            return Command.put(key, freshValue());
        } else if ((pick -= mix.delete()) < 0) {
            return Command.delete(key);
        } else if ((pick -= mix.cas()) < 0) {
            return Command.cas(key, random.nextInt(4) == 0 ? null : lastSeen.get(key), freshValue());
        }
        return readsAll ? Command.getAll() : Command.get(key);
    }

    /** A read, or a cas that found another value, showed this value of the key (null: absent). */
    public void observed(String key, String value) {
        lastSeen.put(key, value);
    }

    private String freshValue() {
        String unique = client + "-" + (++written);
        int padding = mix.valueLength() - unique.length() - 1;
        return padding <= 0 ? unique : unique + "-" + "x".repeat(padding);
    }
}
