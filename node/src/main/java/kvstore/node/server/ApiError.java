package kvstore.node.server;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A request the API refuses, with the HTTP status and the JSON body that names the problem. Thrown anywhere in a
 * handler; the routing's error handler writes it out.
 */
public final class ApiError extends RuntimeException {
    private final int status;
    private final transient ObjectNode body;

    public ApiError(int status, String error) {
        super(error, null, false, false);
        this.status = status;
        this.body = Json.object().put("error", error);
    }

    /** An error with further fields beside {@code "error"} (say, {@code "current"} for a failed compare-and-set). */
    public ApiError(int status, ObjectNode body) {
        super(body.path("error").asText(), null, false, false);
        this.status = status;
        this.body = body;
    }

    public int status() {
        return status;
    }

    public ObjectNode body() {
        return body;
    }
}
