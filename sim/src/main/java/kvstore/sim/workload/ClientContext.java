package kvstore.sim.workload;

import kvstore.node.core.Message;

import java.util.List;

/** What a simulated client may do: the simulator implements it over its clock and network. */
public interface ClientContext {
    long now();

    void send(String from, String to, Message message);

    void after(long micros, Runnable action);

    List<String> nodes();
}
