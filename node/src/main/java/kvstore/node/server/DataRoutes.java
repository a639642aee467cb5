package kvstore.node.server;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import kvstore.node.core.Command;
import kvstore.node.core.RequestId;
import kvstore.node.core.Result;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
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
    private final Duration answerTimeout;
    private final String clientPrefix; // request ids without an Idempotency-Key: unique to this node's life
    private final AtomicLong requests = new AtomicLong();

    DataRoutes(ReplicaHost host, long nodeId, Duration answerTimeout) {
        this.host = host;
        this.answerTimeout = answerTimeout;
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
        WriteBody body = WriteBody.parse(Bodies.jsonObject(req, Bodies.CLIENT_LIMIT));
        run(req, res, body.conditional() ? Command.cas(key, body.expected(), body.value())
                : Command.put(key, body.value()));
    }

    private static String key(ServerRequest req) {
        String raw = req.path().rawPathNoParams();
        return KeyPath.decode(raw.substring(raw.indexOf("/data/") + "/data/".length()));
    }

    private void run(ServerRequest req, ServerResponse res, Command command) {
        Result result = await(requestId(req), command);
        if (result.status() == Result.Status.UNAVAILABLE) {
            throw unavailable(result.detail());
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
                result.all().forEach(doc::put);
                yield 200;
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
        Bodies.send(res, status, doc);
    }

    private static int notFound(ObjectNode doc) {
        doc.put("error", "Key Not Found");
        return 404;
    }

    private static int created(ObjectNode doc, boolean isNew) {
        doc.put("message", isNew ? "Key created successfully." : "Key updated successfully.");
        return isNew ? 201 : 200;
    }

    private RequestId requestId(ServerRequest req) {
        var header = req.headers().first(HeaderNames.create(IDEMPOTENCY_HEADER));
        if (header.isEmpty()) {
            return new RequestId(clientPrefix, requests.incrementAndGet());
        }
        String key = header.get();
        if (key.isEmpty() || key.length() > MAX_IDEMPOTENCY_KEY) {
            throw new ApiError(400, IDEMPOTENCY_HEADER + " must be 1 to " + MAX_IDEMPOTENCY_KEY + " characters");
        }
        return new RequestId("idempotency-key:" + key, 0);
    }

    private Result await(RequestId id, Command command) {
        CompletableFuture<Result> answer = host.execute(id, command);
        try {
            return answer.get(answerTimeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            answer.cancel(false); // the core may still answer; nobody is waiting any more
            throw unavailable("the node did not answer within " + answerTimeout.toMillis() + " ms");
        } catch (ExecutionException e) {
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
