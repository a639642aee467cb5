package kvstore.node.http;

import java.nio.charset.StandardCharsets;
import java.util.Map;

/** Encodes an HTTP/1.1 request, head and body in one array so that it goes out in one write. */
public final class HttpRequests {
    private HttpRequests() {
    }

    /**
     * @param host    the {@code Host} header: the address the request goes to
     * @param headers further header fields, in order (name to value); {@code Content-Length} is added for a body
     * @param body    null for none
     */
    public static byte[] encode(String method, String path, String host, Map<String, String> headers, byte[] body) {
        requireOneLine(path);
        requireOneLine(host);
        headers.forEach((name, value) -> {
            requireOneLine(name);
            requireOneLine(value);
        });
        StringBuilder head = new StringBuilder(160).append(method).append(' ').append(path)
                .append(" HTTP/1.1\r\nHost: ").append(host).append("\r\n");
        headers.forEach((name, value) -> head.append(name).append(": ").append(value).append("\r\n"));
        if (body != null) {
            head.append("Content-Length: ").append(body.length).append("\r\n");
        }
        byte[] headBytes = head.append("\r\n").toString().getBytes(StandardCharsets.US_ASCII);
        if (body == null) {
            return headBytes;
        }
        byte[] request = new byte[headBytes.length + body.length];
        System.arraycopy(headBytes, 0, request, 0, headBytes.length);
        System.arraycopy(body, 0, request, headBytes.length, body.length);
        return request;
    }

    /** A CR or LF in a header would end it early and let the rest pass as headers of its own. */
    private static void requireOneLine(String s) {
        if (s.indexOf('\r') >= 0 || s.indexOf('\n') >= 0) {
            throw new IllegalArgumentException("a line break in a request head: " + s.strip());
        }
    }
}
