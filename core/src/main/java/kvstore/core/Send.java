package kvstore.core;

/** An output of a process: deliver {@code message} to {@code to}. */
public record Send(Address to, Message message) {
}
