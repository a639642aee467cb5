package kvstore.node.http;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/**
 * Reads HTTP/1.1 responses, one after another, from one connection's input: the status line, the headers, and a
 * body framed by {@code Content-Length} or by chunked transfer coding (chunk extensions and trailers allowed).
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

    public Response read() throws IOException {
        String statusLine = line();
        if (!statusLine.startsWith("HTTP/1.") || statusLine.length() < 12 || statusLine.charAt(8) != ' ') {
            throw new IOException("not an HTTP/1.x status line: " + printable(statusLine));
        }
        int status = parseStatus(statusLine.substring(9, 12));
        long length = -1;
        boolean chunked = false;
        boolean close = statusLine.startsWith("HTTP/1.0");
        int headers = 0;
        for (String header = line(); !header.isEmpty(); header = line()) {
            if (++headers > MAX_HEADERS) {
                throw new IOException("more than " + MAX_HEADERS + " headers");
            }
            int colon = header.indexOf(':');
            if (colon <= 0) {
                throw new IOException("malformed header: " + printable(header));
            }
            String name = header.substring(0, colon).trim();
            String value = header.substring(colon + 1).trim();
            if (name.equalsIgnoreCase("Content-Length")) {
                length = parseLength(value);
            } else if (name.equalsIgnoreCase("Transfer-Encoding")) {
                chunked = value.toLowerCase(java.util.Locale.ROOT).endsWith("chunked");
            } else if (name.equalsIgnoreCase("Connection")) {
                close = value.equalsIgnoreCase("close");
            }
        }
        byte[] body;
        if (chunked) {
            body = chunkedBody();
        } else if (length >= 0) {
            body = exactly(length);
        } else if (status / 100 == 1 || status == 204 || status == 304) {
            body = new byte[0];
        } else {
            throw new IOException("a " + status + " answer with neither Content-Length nor chunked coding");
        }
        return new Response(status, body, close);
    }

    private byte[] chunkedBody() throws IOException {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        while (true) {
            String sizeLine = line();
            int semicolon = sizeLine.indexOf(';'); // a chunk extension, which we ignore
            String hex = (semicolon < 0 ? sizeLine : sizeLine.substring(0, semicolon)).trim();
            long size;
            try {
                size = Long.parseLong(hex, 16);
            } catch (NumberFormatException e) {
                throw new IOException("malformed chunk size: " + printable(sizeLine));
            }
            if (size < 0 || all.size() + size > maxBody) {
                throw new IOException("chunked body longer than " + maxBody + " bytes");
            }
            if (size == 0) {
                while (!line().isEmpty()) {
                    // trailer fields: not used
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
        for (int b = in.read(); b != '\n'; b = in.read()) {
            if (b < 0) {
                throw new IOException("connection closed");
            }
            if (s.length() == MAX_LINE) {
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

    private static String printable(String s) {
        String cut = s.length() > 80 ? s.substring(0, 80) + "..." : s;
        return cut.replaceAll("[^\\x20-\\x7e]", "?");
    }
}
