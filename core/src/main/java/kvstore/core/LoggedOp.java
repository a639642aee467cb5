package kvstore.core;

/**
 * One operation as a node's log keeps it and a catch-up carries it: its position, the chain it was ordered in, and,
 * for a write, the result the primary recorded (null for a read, whose result nobody needs again).
 */
public record LoggedOp(long seq, ChainId chain, RequestId id, Command command, Result result) {
}
