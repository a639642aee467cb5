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
import java.util.Map;
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
     * without Content-Type is read as JSON (the prototype's scripts do not always set it). A client that has not
     * sent the whole body by the deadline is cut off.
     */
    static ObjectNode jsonObject(ServerRequest req, long limit, Deadline deadline) {
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
        return Json.parseObject(read(req, limit, deadline));
    }

    /** The request's body as a batch of core messages ({@link MessageCodec}): 415 for another media type. */
    static byte[] messageBatch(ServerRequest req, long limit) {
        Optional<HttpMediaType> type = req.headers().contentType();
        if (type.isEmpty() || !type.get().mediaType().text().equalsIgnoreCase(MessageCodec.MEDIA_TYPE)) {
            throw new ApiError(415, "the body must be " + MessageCodec.MEDIA_TYPE + ", not "
                    + type.map(t -> t.mediaType().text()).orElse("undeclared"));
        }
        return read(req, limit, null);
    }

    /** How long a body may take to arrive, and who cuts off a client past it. */
    record Deadline(ReadDeadlines deadlines, java.time.Duration limit) {
    }

    /**
     * The body, refused with a 413 as soon as it is longer than {@code limit}, declared or not. Past the deadline
     * (null: none) the connection is closed and nothing answered ({@link ReadDeadlines}).
     */
    /**
     * Bodies that declare a length up to this are read into an array of that length. Reading to an unknown end
     * starts with a 16 KB buffer, one per request: under load, most of a node's garbage, and so most of its
     * collections, whose pauses stall every write in the cluster. Longer bodies grow as their bytes come, so that
     * a client cannot make the node allocate more than it sends.
     */
    private static final long EXACT_READ_MAX = 64 * 1024;

    private static byte[] read(ServerRequest req, long limit, Deadline deadline) {
        OptionalLong declared = req.headers().contentLength();
        if (declared.isPresent() && declared.getAsLong() > limit) {
            throw tooLarge(declared.getAsLong(), limit);
        }
        ReadDeadlines.Read watch = deadline == null ? null : deadline.deadlines().start("body", deadline.limit());
        byte[] body = null;
        ApiError unreadable = null;
        try {
            // Not closed: closing would read the rest of a body past the limit, after the deadline. A body within
            // the limit was read to its end; one past it is left unread, and its connection ends (KvNode).
            InputStream in = req.content().inputStream();
            if (declared.isPresent() && declared.getAsLong() <= EXACT_READ_MAX) {
                byte[] exact = new byte[(int) declared.getAsLong()];
                int read = in.readNBytes(exact, 0, exact.length);
                // and the end: Helidon counts a body read to its end as consumed (else the connection ends: KvNode)
                if (read == exact.length && in.read() != -1) {
                    throw new IOException("more bytes than its Content-Length");
                }
                body = read == exact.length ? exact : java.util.Arrays.copyOf(exact, read);
            } else {
                body = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, limit + 1));
            }
        } catch (IOException | java.io.UncheckedIOException e) {
            unreadable = ApiError.unreadableBody("the body could not be read: " + e.getMessage());
        } catch (NumberFormatException e) {
            // Helidon 4.5 parses a chunk's size line whole: a chunk extension ("5;name=value", legal HTTP) or a
            // malformed size fails inside its reader (docs/http-edge.md). A clear 400 instead of a 500 with a trace.
            unreadable = ApiError.unreadableBody("the chunked body could not be read: a chunk size line this server "
                    + "cannot parse (chunk extensions are not supported): " + e.getMessage());
        } catch (RuntimeException e) {
            unreadable = ApiError.unreadableBody("the body could not be read: " + e.getMessage()); // cut off, malformed
        } finally {
            if (watch != null) {
                watch.finish(); // also when the read failed with an Error (out of memory)
            }
        }
        if (watch != null && !watch.finish()) { // finish() again only says whether the client was cut off
            throw new io.helidon.webserver.CloseConnectionException("the client sent its body too slowly");
        }
        if (unreadable != null) {
            throw unreadable;
        }
        if (body.length > limit) {
            throw tooLarge(body.length, limit);
        }
        return body;
    }

    private static ApiError tooLarge(long size, long limit) {
        return new ApiError(413, "the body is " + (size > limit + 1 ? size + " bytes" : "more than " + limit
                + " bytes") + "; the limit is " + limit + " bytes");
    }

    /**
     * The prototype's {@code GET /data} document, {@code {"key": "value", ...}}: for a small store as one body like
     * every other answer; past {@link #STREAM_STORE_OVER} bytes written as it is generated, chunked, so that a read
     * of the whole store costs a buffer, not a copy of the store as text and again as bytes (four readers of a
     * 200 MB store once took the nodes to gigabytes). The map itself is the core's copy, which shares the values.
     */
    static void sendStore(ServerResponse res, Map<String, String> store) {
        long size = 0; // as the core counts a store (Sizes), in a long: a large store passes an int
        for (Map.Entry<String, String> e : store.entrySet()) {
            size += kvstore.core.Sizes.entry(e.getKey(), e.getValue());
        }
        if (size <= STREAM_STORE_OVER) {
            res.status(200);
            res.header(HeaderValues.CONTENT_TYPE_JSON);
            ObjectNode doc = Json.object();
            store.forEach(doc::put);
            res.send(Json.write(doc).getBytes(StandardCharsets.UTF_8));
            return;
        }
        res.status(200);
        res.header(HeaderValues.CONTENT_TYPE_JSON);
        try (java.io.OutputStream out = res.outputStream()) {
            java.io.ByteArrayOutputStream segment = new java.io.ByteArrayOutputStream();
            com.fasterxml.jackson.core.JsonGenerator json = Json.MAPPER.createGenerator(segment);
            java.util.Iterator<Map.Entry<String, String>> entries = store.entrySet().iterator();
            json.writeStartObject(); // into the first segment
            boolean done = false;
            while (!done) {
                // A virtual thread is not preempted: generating hundreds of megabytes at once would hold one of the
                // few carriers the whole time, and a few such reads would hold them all, so that the node's own
                // traffic (heartbeats, acknowledgements, answers) waits. So a read generates a segment at a time, on
                // a turn (Carriers), and sends it without one: a client slow to take its answer holds no turn.
                Carriers.streams().acquireUninterruptibly();
                try {
                    long chars = 0;
                    while (chars < SEGMENT_CHARS && entries.hasNext()) {
                        Map.Entry<String, String> e = entries.next();
                        json.writeStringField(e.getKey(), e.getValue());
                        chars += e.getKey().length() + e.getValue().length();
                    }
                    if (!entries.hasNext()) {
                        json.writeEndObject();
                        done = true;
                    }
                    json.flush();
                } finally {
                    Carriers.streams().release();
                }
                segment.writeTo(out);
                segment.reset();
            }
        } catch (java.io.IOException | RuntimeException e) {
            // The client went away mid-answer: the answer has begun, so there is no status left to tell it, and the
            // read changed nothing.
        }
    }

    /** How much of a streamed store is generated on one turn (in characters of keys and values). */
    private static final long SEGMENT_CHARS = 256 * 1024;

    /** Stores whose document is larger than this (roughly, in characters) are streamed. */
    static final long STREAM_STORE_OVER = 1 << 20;

    static void send(ServerResponse res, int status, ObjectNode body) {
        res.status(status);
        res.header(HeaderValues.CONTENT_TYPE_JSON);
        res.send(Json.write(body).getBytes(StandardCharsets.UTF_8));
    }
}
