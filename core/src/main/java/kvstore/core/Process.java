package kvstore.core;

import java.util.List;

/**
 * A participant of the protocol as a deterministic state machine: messages and ticks in, sends out. It owns no
 * threads, sockets, files or clocks; its host delivers what arrives and carries out what it returns. The replica
 * and the failover controller are processes, and every host (the Helidon node, the controller's host, the
 * simulator, the unit tests' network) drives them the same way.
 */
public interface Process {
    /** Handles one message from {@code from}; returns what to send. */
    List<Send> onMessage(Address from, Message message);

    /** One tick of the host's clock; returns what to send. */
    List<Send> onTick();
}
