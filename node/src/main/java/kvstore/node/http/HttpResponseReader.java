package kvstore.node.http;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/**
 * Reads HTTP/1.1 responses, one after another, from one connection's input: the status line, the headers, and a
 * body framed by {@code Content-Length}, by chunked transfer coding (chunk extensions and trailers allowed) or by
 * the server closing the connection; interim (1xx) answers are skipped, and 204 and 304 have no body. Framing
 * that could be read two ways (two different lengths, a length beside a transfer coding, an unknown transfer
 * coding) is refused.
 * Everything it reads is bounded: a line, the number of headers and a body, so that a broken or hostile server
 * cannot make the reader hold more than {@link #maxBody} bytes. Not thread-safe: one reader per connection.
 */
public final class HttpResponseReader {
    /** One answer. {@code close}: the server said it closes the connection after this answer. */
    public record Response(int status, byte[] body, boolean close) {
        public boolean success() {
            return status / 100 == 2;
        }

        public String text() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    private static final int MAX_LINE = 8 * 1024;
    private static final int MAX_HEADERS = 100;

    private final InputStream in;
    private final int maxBody;

    /** @param in the connection's input, buffered (lines are read a byte at a time) */
    public HttpResponseReader(InputStream in, int maxBody) {
        this.in = in;
        this.maxBody = maxBody;
    }

    /** The next final answer; interim (1xx) answers before it are read and skipped, as RFC 9110 asks. */
    public Response read() throws IOException {
        while (true) {
            Response r = readOne();
            if (r.status() / 100 != 1) {
                return r;
            }
        }
    }

    private Response readOne() throws IOException {
        String statusLine = line();
        if (!statusLine.startsWith("HTTP/1.") || statusLine.length() < 12 || statusLine.charAt(8) != ' '
                || statusLine.length() > 12 && statusLine.charAt(12) != ' ') {
            throw new IOException("not an HTTP/1.x status line: " + printable(statusLine));
        }
        int status = parseStatus(statusLine.substring(9, 12));
        long length = -1;
        boolean chunked = false;
        boolean close = statusLine.startsWith("HTTP/1.0");
        int headers = 0;
        for (String header = line(); !header.isEmpty(); header = line()) {
            if (++headers > MAX_HEADERS) {
                throw new IOException("more than " + MAX_HEADERS + " header lines");
            }
            int colon = header.indexOf(':');
            if (colon <= 0) {
                throw new IOException("malformed header: " + printable(header));
            }
            String name = header.substring(0, colon).trim();
            String value = header.substring(colon + 1).trim();
            if (name.equalsIgnoreCase("Content-Length")) {
                long l = parseLength(value);
                if (length >= 0 && l != length) {
                    throw new IOException("two different Content-Length headers: " + length + " and " + l);
                }
                length = l;
            } else if (name.equalsIgnoreCase("Transfer-Encoding")) {
                if (!value.equalsIgnoreCase("chunked")) {
                    throw new IOException("a transfer coding this client does not read: " + printable(value));
                }
                chunked = true;
            } else if (name.equalsIgnoreCase("Connection")) {
                for (String option : value.split(",")) {
                    close |= option.trim().equalsIgnoreCase("close");
                }
            }
        }
        if (chunked && length >= 0) { // RFC 9112 6.1: a sign of request smuggling, not a framing to choose from
            throw new IOException("both Content-Length and Transfer-Encoding");
        }
        if (status / 100 == 1 || status == 204 || status == 304) {
            return new Response(status, new byte[0], close); // no body, whatever the headers say (RFC 9112 6.3)
        }
        byte[] body;
        if (chunked) {
            body = chunkedBody();
        } else if (length >= 0) {
            body = exactly(length);
        } else if (close) {
            body = untilClosed();
        } else {
            throw new IOException("a " + status + " answer with neither a length, chunks, nor Connection: close");
        }
        return new Response(status, body, close);
    }

    /** A body that ends where the server closes the connection. */
    private byte[] untilClosed() throws IOException {
        byte[] body = in.readNBytes(maxBody + 1);
        if (body.length > maxBody) {
            throw new IOException("body longer than " + maxBody + " bytes");
        }
        return body;
    }

    private byte[] chunkedBody() throws IOException {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        while (true) {
            String sizeLine = line();
            int semicolon = sizeLine.indexOf(';'); // a chunk extension, which we ignore
            String hex = (semicolon < 0 ? sizeLine : sizeLine.substring(0, semicolon)).trim();
            long size = parseChunkSize(hex, sizeLine);
            if (all.size() + size > maxBody) {
                throw new IOException("chunked body longer than " + maxBody + " bytes");
            }
            if (size == 0) {
                for (int trailers = 0; !line().isEmpty(); trailers++) { // trailer fields: not used
                    if (trailers == MAX_HEADERS) {
                        throw new IOException("more than " + MAX_HEADERS + " trailer lines");
                    }
                }
                return all.toByteArray();
            }
            all.write(exactly(size));
            if (!line().isEmpty()) {
                throw new IOException("a chunk not followed by CRLF");
            }
        }
    }

    private byte[] exactly(long length) throws IOException {
        if (length > maxBody) {
            throw new IOException("body of " + length + " bytes, more than " + maxBody);
        }
        byte[] body = in.readNBytes((int) length);
        if (body.length < length) {
            throw new IOException("connection closed after " + body.length + " of " + length + " body bytes");
        }
        return body;
    }

    /** One line without its CRLF (or bare LF); fails at the end of the stream or past {@link #MAX_LINE}. */
    private String line() throws IOException {
        StringBuilder s = new StringBuilder(64);
        int read = 0;
        for (int b = in.read(); b != '\n'; b = in.read()) {
            if (b < 0) {
                throw new IOException("connection closed");
            }
            if (++read > MAX_LINE) {
                throw new IOException("a line longer than " + MAX_LINE + " bytes");
            }
            if (b != '\r') {
                s.append((char) b);
            }
        }
        return s.toString();
    }

    private static int parseStatus(String digits) throws IOException {
        for (int i = 0; i < digits.length(); i++) {
            if (digits.charAt(i) < '0' || digits.charAt(i) > '9') {
                throw new IOException("malformed status code: " + printable(digits));
            }
        }
        return Integer.parseInt(digits);
    }

    private static long parseLength(String value) throws IOException {
        if (value.isEmpty() || !Character.isDigit(value.charAt(0))) {
            throw new IOException("malformed Content-Length: " + printable(value));
        }
        try {
            long length = Long.parseLong(value);
            if (length >= 0) {
                return length;
            }
        } catch (NumberFormatException e) {
            // below
        }
        throw new IOException("malformed Content-Length: " + printable(value));
    }

    /** Hex digits only: Long.parseLong would also take a sign, and a 17th digit would overflow. */
    private static long parseChunkSize(String hex, String sizeLine) throws IOException {
        if (hex.isEmpty() || hex.length() > 15 || !hex.chars().allMatch(c -> Character.digit(c, 16) >= 0)) {
            throw new IOException("malformed chunk size: " + printable(sizeLine));
        }
        return Long.parseLong(hex, 16);
    }

    private static String printable(String s) {
        String cut = s.length() > 80 ? s.substring(0, 80) + "..." : s;
        return cut.replaceAll("[^\\x20-\\x7e]", "?");
    }
}
