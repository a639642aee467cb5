package kvstore.node.server;

import java.net.URLEncoder;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * The key of a {@code /data/<key>} request, percent-decoded from the raw path: any characters, including '/',
 * spaces and non-ASCII. Decoded here (not by the router) so that "%2F" is part of the key, and so that a malformed
 * escape or invalid UTF-8 is a clear 400 rather than a silent substitution. Clients build the path with
 * {@link #of}, its inverse.
 */
public final class KeyPath {
    static final int MAX_KEY_BYTES = 1024;

    private KeyPath() {
    }

    /** The path of a key's resource, every character a URL could change escaped. */
    public static String of(String key) {
        // Dots too: a key "." or ".." sent raw is a dot segment, which URLs resolve away.
        return "/data/" + URLEncoder.encode(key, StandardCharsets.UTF_8).replace("+", "%20").replace(".", "%2E");
    }

    /**
     * Refuses a raw path with a dot segment ("." or ".."): the router would resolve it away, so that
     * {@code /data/../view} reached {@code /view}. Clients resolve dot segments before they send (RFC 3986, 5.2.4);
     * a key "." or ".." is sent with its dots escaped ({@link #of}).
     */
    static void checkDotSegments(String rawPath) {
        for (String segment : rawPath.split("/", -1)) {
            if (segment.equals(".") || segment.equals("..")) {
                throw new ApiError(400, "the path has a dot segment '" + segment + "' (" + rawPath + "); a key '"
                        + segment + "' is sent with its dots escaped: " + of(segment));
            }
        }
    }

    /** Refuses a raw path with a malformed %-escape, before the router tries (and fails) to decode it. */
    static void checkEscapes(String rawPath) {
        for (int i = rawPath.indexOf('%'); i >= 0; i = rawPath.indexOf('%', i + 1)) {
            if (i + 2 >= rawPath.length() || Character.digit(rawPath.charAt(i + 1), 16) < 0
                    || Character.digit(rawPath.charAt(i + 2), 16) < 0) {
                String bad = rawPath.substring(i, Math.min(rawPath.length(), i + 3));
                throw new ApiError(400, "the path has a malformed %-escape '" + bad + "' at position " + i);
            }
        }
    }

    /** @param encoded the raw path after "/data/" */
    static String decode(String encoded) {
        if (encoded.isEmpty()) {
            throw new ApiError(400, "the key is empty; use /data/<key>");
        }
        checkEscapes(encoded); // the router's filter has checked the whole path already; this keeps decode safe alone
        ByteBuffer bytes = ByteBuffer.allocate(encoded.length() * 4);
        for (int i = 0; i < encoded.length(); i++) {
            char c = encoded.charAt(i);
            if (c == '%') {
                bytes.put((byte) (Character.digit(encoded.charAt(i + 1), 16) * 16
                        + Character.digit(encoded.charAt(i + 2), 16)));
                i += 2;
            } else {
                bytes.put(String.valueOf(c).getBytes(StandardCharsets.UTF_8));
            }
        }
        bytes.flip();
        if (bytes.remaining() > MAX_KEY_BYTES) {
            throw new ApiError(414, "the key is " + bytes.remaining() + " bytes of UTF-8; the limit is "
                    + MAX_KEY_BYTES);
        }
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(bytes).toString();
        } catch (CharacterCodingException e) {
            throw new ApiError(400, "the key is not valid UTF-8 once %-decoded");
        }
    }
}
