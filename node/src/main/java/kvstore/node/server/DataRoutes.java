package kvstore.node.server;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import kvstore.core.Command;
import kvstore.core.RequestId;
import kvstore.core.Result;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code /data}: the prototype's documents, turned into commands for the replica core and its answers turned back
 * into documents. Every operation, reads included, goes through the core's total order; its position there is the
 * {@code Msg-Num} header.
 */
final class DataRoutes {
    static final String IDEMPOTENCY_HEADER = "Idempotency-Key";
    static final String MSG_NUM_HEADER = "Msg-Num";
    private static final int MAX_IDEMPOTENCY_KEY = 256;

    private final ReplicaHost host;
    private final Bodies.Deadline bodyDeadline; // a client's body must arrive in time
    private final Duration answerTimeout;
    private final String clientPrefix; // request ids without an Idempotency-Key: unique to this node's life
    private final AtomicLong requests = new AtomicLong();
    private final OperationTimes times;

    /** Where each operation's time, from handing it to the core to its answer, is recorded (the metrics). */
    interface OperationTimes {
        /** @param outcome ok (answered: found or not, swapped or not), unavailable (503) or full (507) */
        void record(Command.Kind kind, String outcome, long nanos);
    }

    DataRoutes(ReplicaHost host, long nodeId, Duration answerTimeout, Bodies.Deadline bodyDeadline,
               OperationTimes times) {
        this.host = host;
        this.times = times;
        this.answerTimeout = answerTimeout;
        this.bodyDeadline = bodyDeadline;
        this.clientPrefix = "node-" + nodeId + "-" + host.incarnation();
    }

    void register(HttpRouting.Builder routing) {
        routing.get("/data", (req, res) -> run(req, res, Command.getAll()))
                .get("/data/{+key}", (req, res) -> run(req, res, Command.get(key(req))))
                .delete("/data/{+key}", (req, res) -> run(req, res, Command.delete(key(req))))
                .put("/data/{+key}", this::put);
    }

    private void put(ServerRequest req, ServerResponse res) {
        String key = key(req);
        WriteBody body = WriteBody.parse(Bodies.jsonObject(req, Bodies.CLIENT_LIMIT, bodyDeadline));
        run(req, res, body.conditional() ? Command.cas(key, body.expected(), body.value())
                : Command.put(key, body.value()));
    }

    private static String key(ServerRequest req) {
        String raw = req.path().rawPathNoParams();
        return KeyPath.decode(raw.substring(raw.indexOf("/data/") + "/data/".length()));
    }

    private void run(ServerRequest req, ServerResponse res, Command command) {
        RequestId id = requestId(req, command); // a malformed Idempotency-Key is a 400, not an operation
        long started = System.nanoTime();
        Result result;
        try {
            result = await(id, command);
        } catch (ApiError unanswered) {
            times.record(command.kind(), "unavailable", System.nanoTime() - started);
            throw unanswered;
        }
        times.record(command.kind(), switch (result.status()) {
            case UNAVAILABLE -> "unavailable";
            case FULL -> "full";
            default -> "ok";
        }, System.nanoTime() - started);
        if (result.status() == Result.Status.UNAVAILABLE) {
            throw refused(req, unavailable(result.detail()), result);
        }
        if (result.status() == Result.Status.FULL) {
            // 507 Insufficient Storage, as WebDAV defines it: the store cannot take this write until it shrinks.
            throw refused(req, new ApiError(507, "store full: " + result.detail()), result);
        }
        res.header(MSG_NUM_HEADER, String.valueOf(result.seq()));
        ObjectNode doc = Json.object();
        int status = switch (command.kind()) {
            case GET -> {
                if (result.status() == Result.Status.NOT_FOUND) {
                    yield notFound(doc);
                }
                doc.put("value", result.value());
                yield 200;
            }
            case GET_ALL -> {
                Bodies.sendStore(res, result.all());
                yield -1; // sent
            }
            case PUT -> created(doc, result.status() == Result.Status.OK);
            case CAS -> {
                if (result.status() == Result.Status.CAS_MISMATCH) {
                    doc.put("error", "the current value is not the expected one").put("current", result.value());
                    yield 412;
                }
                yield created(doc, command.expected() == null);
            }
            case DELETE -> {
                if (result.status() == Result.Status.NOT_FOUND) {
                    yield notFound(doc);
                }
                doc.put("message", "Key deleted successfully.");
                yield 200;
            }
        };
        if (status > 0) {
            Bodies.send(res, status, doc);
        }
    }

    /**
     * A refusal says what is certain. The primary itself refused this attempt before ordering it: then this attempt
     * certainly did not happen ({@code "attemptApplied": false}), and the write certainly did not ({@code "applied":
     * false}) unless an earlier attempt with the same Idempotency-Key may have been; only the client knows its
     * earlier attempts, so with a key it is told about this one alone.
     */
    private static ApiError refused(ServerRequest req, ApiError error, Result result) {
        if (result.certainlyNotApplied()) {
            error.body().put("attemptApplied", false);
            if (req.headers().first(HeaderNames.create(IDEMPOTENCY_HEADER)).isEmpty()) {
                error.body().put("applied", false);
            }
        }
        return error;
    }

    private static int notFound(ObjectNode doc) {
        doc.put("error", "Key Not Found");
        return 404;
    }

    private static int created(ObjectNode doc, boolean isNew) {
        doc.put("message", isNew ? "Key created successfully." : "Key updated successfully.");
        return isNew ? 201 : 200;
    }

    /**
     * The core's id for a request. With an Idempotency-Key a write's id is the key plus a fingerprint of the write
     * itself: a retry of the same write is recognised, while the same key on another write (another key, value or
     * method) is a different request and cannot be answered with the first one's result. Reads need no
     * idempotency: the header is checked but each read gets a fresh id.
     */
    private RequestId requestId(ServerRequest req, Command command) {
        var header = req.headers().first(HeaderNames.create(IDEMPOTENCY_HEADER));
        if (header.isPresent()) {
            String key = header.get();
            if (key.isEmpty() || key.length() > MAX_IDEMPOTENCY_KEY) {
                throw new ApiError(400, IDEMPOTENCY_HEADER + " must be 1 to " + MAX_IDEMPOTENCY_KEY
                        + " characters");
            }
            if (!command.isRead()) {
                return new RequestId("idempotency-key:" + key, fingerprint(command));
            }
        }
        return new RequestId(clientPrefix, requests.incrementAndGet());
    }

    /** 64 bits of SHA-256 over the write's fields, each length-prefixed so that no two writes run together. */
    static long fingerprint(Command command) {
        try {
            java.security.MessageDigest sha = java.security.MessageDigest.getInstance("SHA-256");
            for (String part : new String[]{command.kind().name(), command.key(), command.value(),
                    command.expected()}) {
                byte[] bytes = part == null ? new byte[0] : part.getBytes(java.nio.charset.StandardCharsets.UTF_8);
                sha.update(java.nio.ByteBuffer.allocate(4).putInt(part == null ? -1 : bytes.length).array());
                sha.update(bytes);
            }
            return java.nio.ByteBuffer.wrap(sha.digest()).getLong();
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    private Result await(RequestId id, Command command) {
        CompletableFuture<Result> answer = host.execute(id, command, answerTimeout);
        try {
            return answer.get(); // bounded by answerTimeout all the same: the host fails it then
        } catch (ExecutionException e) {
            if (e.getCause() instanceof TimeoutException) { // the core may still answer; nobody is waiting any more
                throw unavailable("the node did not answer within " + answerTimeout.toMillis() + " ms");
            }
            throw new IllegalStateException("the replica failed", e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw unavailable("the node is shutting down");
        }
    }

    static ApiError unavailable(String why) {
        return new ApiError(503, Json.object().put("error", why).put("retryable", true));
    }
}
