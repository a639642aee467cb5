package kvstore.node.server;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.helidon.common.media.type.MediaType;
import io.helidon.http.HeaderValues;
import io.helidon.http.HttpMediaType;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import kvstore.core.MessageCodec;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.OptionalLong;

/** Reading request bodies (JSON, or a batch of core messages) and writing JSON responses, with the checks every endpoint shares. */
final class Bodies {
    /** A client's body: a value of 1 MiB, even with every character JSON-escaped, fits. */
    static final long CLIENT_LIMIT = 8L << 20;
    /** Node-to-node batches: a state transfer carries the whole store. */
    static final long INTERNAL_LIMIT = 1L << 30;

    private Bodies() {
    }

    /**
     * The request's body as a JSON object. A body declared as something other than JSON is a 415; a request
     * without Content-Type is read as JSON (the prototype's scripts do not always set it).
     */
    static ObjectNode jsonObject(ServerRequest req, long limit) {
        Optional<HttpMediaType> type = req.headers().contentType();
        if (type.isPresent()) {
            MediaType media = type.get().mediaType();
            if (!media.type().equalsIgnoreCase("application") || !media.subtype().equalsIgnoreCase("json")) {
                throw new ApiError(415, "the body must be application/json, not " + media.text());
            }
            Optional<String> charset = type.get().charset();
            if (charset.isPresent() && !charset.get().equalsIgnoreCase("utf-8")) {
                throw new ApiError(415, "the body must be UTF-8, not " + charset.get());
            }
        }
        if (!req.content().hasEntity()) {
            throw new ApiError(400, "the request has no body; expected a JSON object");
        }
        return Json.parseObject(read(req, limit));
    }

    /** The request's body as a batch of core messages ({@link MessageCodec}): 415 for another media type. */
    static byte[] messageBatch(ServerRequest req, long limit) {
        Optional<HttpMediaType> type = req.headers().contentType();
        if (type.isEmpty() || !type.get().mediaType().text().equalsIgnoreCase(MessageCodec.MEDIA_TYPE)) {
            throw new ApiError(415, "the body must be " + MessageCodec.MEDIA_TYPE + ", not "
                    + type.map(t -> t.mediaType().text()).orElse("undeclared"));
        }
        return read(req, limit);
    }

    /** The body, refused with a 413 as soon as it is longer than {@code limit}, declared or not. */
    private static byte[] read(ServerRequest req, long limit) {
        OptionalLong declared = req.headers().contentLength();
        if (declared.isPresent() && declared.getAsLong() > limit) {
            throw tooLarge(declared.getAsLong(), limit);
        }
        try (InputStream in = req.content().inputStream()) {
            byte[] body = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, limit + 1));
            if (body.length > limit) {
                throw tooLarge(body.length, limit);
            }
            return body;
        } catch (IOException | java.io.UncheckedIOException e) {
            throw new ApiError(400, "the body could not be read: " + e.getMessage());
        } catch (NumberFormatException e) {
            // Helidon 4.5 parses a chunk's size line whole: a chunk extension ("5;name=value", legal HTTP) or a
            // malformed size fails inside its reader (docs/http-edge.md). A clear 400 instead of a 500 with a trace.
            throw new ApiError(400, "the chunked body could not be read: a chunk size line this server cannot parse "
                    + "(chunk extensions are not supported): " + e.getMessage());
        } catch (ApiError e) {
            throw e; // too large
        } catch (RuntimeException e) {
            throw new ApiError(400, "the body could not be read: " + e.getMessage()); // cut off, or malformed
        }
    }

    private static ApiError tooLarge(long size, long limit) {
        return new ApiError(413, "the body is " + (size > limit + 1 ? size + " bytes" : "more than " + limit
                + " bytes") + "; the limit is " + limit + " bytes");
    }

    static void send(ServerResponse res, int status, ObjectNode body) {
        res.status(status);
        res.header(HeaderValues.CONTENT_TYPE_JSON);
        res.send(Json.write(body).getBytes(StandardCharsets.UTF_8));
    }
}
