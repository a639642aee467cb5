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
     * Bodies that declare a length up to this are read into an array of that length. Reading to an unknown end
     * starts with a 16 KB buffer, one per request: under load, most of a node's garbage, and so most of its
     * collections, whose pauses stall every write in the cluster. Longer bodies grow as their bytes come. Either
     * way a client that declares a body and sends none of it makes the node hold 16 KB at most.
     */
    private static final long EXACT_READ_MAX = 16 * 1024;

    /**
     * The body, refused with a 413 as soon as it is longer than {@code limit}, declared or not. Past the deadline
     * (null: none) the connection is closed and nothing answered ({@link ReadDeadlines}).
     */
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
                // and to its end: Helidon counts a body read to its end as consumed (else the connection ends: KvNode)
                if (in.readNBytes(exact, 0, exact.length) != exact.length || in.read() != -1) {
                    throw new IOException("not as many bytes as its Content-Length");
                }
                body = exact;
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
            if (size > STREAM_STORE_OVER) {
                break;
            }
        }
        res.status(200);
        res.header(HeaderValues.CONTENT_TYPE_JSON);
        if (size <= STREAM_STORE_OVER) {
            ObjectNode doc = Json.object();
            store.forEach(doc::put);
            res.send(Json.write(doc).getBytes(StandardCharsets.UTF_8));
            return;
        }
        // A virtual thread is not preempted: generating hundreds of megabytes would hold one of the few carriers the
        // whole time, and a few such reads would hold them all, so that the node's own traffic (heartbeats,
        // acknowledgements, answers) waits. So a read generates on a turn (Carriers) and sends off it.
        java.util.concurrent.Semaphore turns = Carriers.streams();
        try (java.io.OutputStream out = res.outputStream()) {
            turns.acquireUninterruptibly();
            try {
                // 64 KB a write: a turn handed over per 8,000-byte buffer of the generator's would be eight times more
                com.fasterxml.jackson.core.JsonGenerator json = Json.MAPPER.createGenerator(
                        new java.io.BufferedOutputStream(new SentOffTurn(out, turns), 64 * 1024));
                json.writeStartObject();
                for (Map.Entry<String, String> e : store.entrySet()) {
                    json.writeStringField(e.getKey(), e.getValue());
                }
                json.writeEndObject();
                json.flush(); // never closed in a finally: that would complete a document an error cut off
            } finally {
                turns.release();
            }
        } catch (java.io.IOException | RuntimeException e) {
            // The client went away mid-answer: the answer has begun, so there is no status left to tell it, and the
            // read changed nothing.
        }
    }

    /**
     * What a whole-store read writes through: the generator fills a buffer on the read's turn, and each buffer goes
     * out off it, so that a client slow to take its answer holds no turn while its read waits for it; now and then
     * it also lets other virtual threads run while it has no turn.
     */
    private static final class SentOffTurn extends java.io.FilterOutputStream {
        private final java.util.concurrent.Semaphore turns;
        private long sinceYield;

        SentOffTurn(java.io.OutputStream out, java.util.concurrent.Semaphore turns) {
            super(out);
            this.turns = turns;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            offTurn(() -> {
                out.write(b, off, len);
                sinceYield += len;
                if (sinceYield > YIELD_EVERY_BYTES) {
                    sinceYield = 0;
                    Thread.yield();
                }
            });
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void flush() throws IOException {
            offTurn(out::flush);
        }

        /** Does {@code sending} without the read's turn, and takes the turn back whatever happens. */
        private void offTurn(Sending sending) throws IOException {
            turns.release();
            try {
                sending.run();
            } finally {
                turns.acquireUninterruptibly();
            }
        }

        private interface Sending {
            void run() throws IOException;
        }

        @Override
        public void close() {
            // the read closes the response itself, off its turn
        }
    }

    /** How much of a streamed store is sent between two chances for other virtual threads to run. */
    private static final long YIELD_EVERY_BYTES = 256 * 1024;

    /** Stores whose document is larger than this (roughly, in characters) are streamed. */
    static final long STREAM_STORE_OVER = 1 << 20;

    static void send(ServerResponse res, int status, ObjectNode body) {
        res.status(status);
        res.header(HeaderValues.CONTENT_TYPE_JSON);
        res.send(Json.write(body).getBytes(StandardCharsets.UTF_8));
    }
}
