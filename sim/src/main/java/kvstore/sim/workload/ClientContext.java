package kvstore.sim.workload;

import kvstore.core.Message;

import java.util.List;

/** What a simulated client may do: the simulator implements it over its clock and network. */
public interface ClientContext {
    long now();

    void send(String from, String to, Message message);

    void after(long micros, Runnable action);

    List<String> nodes();

    /**
     * A node answered "unavailable" to an operation first sent at {@code since}, by then sent to {@code tried}
     * (the answer may be to any of those attempts): for the simulator's availability check.
     */
    default void unavailable(String client, long since, java.util.Set<String> tried, kvstore.core.Result r) {
    }
}
