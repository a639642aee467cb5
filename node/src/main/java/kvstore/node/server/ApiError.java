package kvstore.node.server;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A request the API refuses, with the HTTP status and the JSON body that names the problem. Thrown anywhere in a
 * handler; the routing's error handler writes it out.
 */
public final class ApiError extends RuntimeException {
    private final int status;
    private final transient ObjectNode body;
    private final boolean endsConnection;

    public ApiError(int status, String error) {
        this(status, error, false);
    }

    private ApiError(int status, String error, boolean endsConnection) {
        super(error, null, false, false);
        this.status = status;
        this.body = Json.object().put("error", error);
        this.endsConnection = endsConnection;
    }

    /**
     * A request whose body could not be read to its end: once answered, the connection is closed, since where the
     * next request would start is not known (the rest of the body, or of a chunked body's trailer, is unread).
     */
    static ApiError unreadableBody(String error) {
        return new ApiError(400, error, true);
    }

    /** An error with further fields beside {@code "error"} (say, {@code "current"} for a failed compare-and-set). */
    public ApiError(int status, ObjectNode body) {
        super(body.path("error").asText(), null, false, false);
        this.status = status;
        this.body = body;
        this.endsConnection = false;
    }

    /** Whether the connection must be closed once this is answered (see {@link #unreadableBody}). */
    boolean endsConnection() {
        return endsConnection;
    }

    public int status() {
        return status;
    }

    public ObjectNode body() {
        return body;
    }
}
