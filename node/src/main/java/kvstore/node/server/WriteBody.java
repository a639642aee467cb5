package kvstore.node.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.nio.charset.StandardCharsets;
import java.util.Set;

/**
 * The body of {@code PUT /data/<key>}: {@code {"value": "..."}}, or with {@code "expect"} a compare-and-set
 * ({@code "expect": null} meaning "only if absent").
 */
record WriteBody(String value, boolean conditional, String expected) {
    static final int MAX_VALUE_BYTES = 1 << 20;

    static WriteBody parse(ObjectNode body) {
        Json.requireOnly(body, Set.of("value", "expect"), "; a write takes 'value' and, for compare-and-set, 'expect'");
        JsonNode value = body.get("value");
        if (value == null) {
            throw new ApiError(400, "the body has no 'value'");
        }
        if (!value.isTextual()) {
            throw new ApiError(400, "'value' must be a string, not " + Json.kind(value));
        }
        requireUnicode(value.textValue(), "'value'");
        int bytes = value.textValue().getBytes(StandardCharsets.UTF_8).length;
        if (bytes > MAX_VALUE_BYTES) {
            throw new ApiError(413, "the value is " + bytes + " bytes of UTF-8; the limit is " + MAX_VALUE_BYTES);
        }
        JsonNode expect = body.get("expect");
        if (expect == null) {
            return new WriteBody(value.textValue(), false, null);
        }
        if (!expect.isTextual() && !expect.isNull()) {
            throw new ApiError(400, "'expect' must be a string, or null for \"only if absent\", not "
                    + Json.kind(expect));
        }
        if (expect.isTextual()) {
            requireUnicode(expect.textValue(), "'expect'");
        }
        return new WriteBody(value.textValue(), true, expect.isNull() ? null : expect.textValue());
    }

    /**
     * A lone surrogate (JSON lets {@code "\ud800"} through) is no character: UTF-8 cannot carry it, so the
     * replicas would store something else than the primary. Refused, rather than changed silently.
     */
    private static void requireUnicode(String s, String what) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                throw new ApiError(400, what + " holds a lone UTF-16 surrogate (\\u" + Integer.toHexString(c)
                        + "), which is not a character");
            }
        }
    }
}
