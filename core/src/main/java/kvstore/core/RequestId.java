package kvstore.core;

/** Identifies a client request across retries (its idempotency key): a retry carries the same id. */
public record RequestId(String client, long number) {
}
