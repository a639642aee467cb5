package kvstore.core;

/** An output of the core: deliver {@code message} to {@code to} (a node, or a client endpoint). */
public record Send(String to, Message message) {
}
