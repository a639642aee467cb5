package kvstore.node.server;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** One strict JSON mapper for the whole node: duplicate fields and trailing content are errors, not guesses. */
public final class Json {
    public static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    static {
        // A state transfer carries the whole store in one document; Jackson's default caps one string at 20 MB.
        MAPPER.getFactory().setStreamReadConstraints(StreamReadConstraints.builder()
                .maxStringLength(Integer.MAX_VALUE).build());
    }

    private Json() {
    }

    public static ObjectNode object() {
        return MAPPER.createObjectNode();
    }

    /**
     * The bytes as UTF-8 (a leading byte order mark dropped); 400 naming the byte offset where they stop being UTF-8
     * (overlong forms and encoded surrogates included).
     */
    static String strictUtf8(byte[] bytes) {
        java.nio.charset.CharsetDecoder decoder = java.nio.charset.StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
                .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPORT);
        java.nio.ByteBuffer in = java.nio.ByteBuffer.wrap(bytes);
        java.nio.CharBuffer out = java.nio.CharBuffer.allocate(bytes.length);
        java.nio.charset.CoderResult result = decoder.decode(in, out, true);
        if (!result.isError()) {
            result = decoder.flush(out);
        }
        if (result.isError()) {
            throw new ApiError(400, "the body is not UTF-8: the sequence at byte offset " + in.position()
                    + " (beginning 0x" + String.format("%02x", bytes[in.position()] & 0xff) + ") is malformed or "
                    + "cut off");
        }
        out.flip();
        if (out.hasRemaining() && out.charAt(0) == '\uFEFF') {
            out.position(1); // a byte order mark: RFC 8259 lets a parser ignore it, as Jackson did on bytes
        }
        return out.toString();
    }

    /**
     * A request body that must be one JSON object; anything else is a 400 naming the problem. The bytes must be
     * UTF-8 (RFC 8259 for JSON between systems), strictly: Jackson alone would guess UTF-16 or UTF-32 from the first
     * bytes, and replace what is not UTF-8, so a value could be stored as something other than what the client sent.
     */
    public static ObjectNode parseObject(byte[] body) {
        String text = strictUtf8(body);
        JsonNode node;
        try {
            node = MAPPER.readTree(text);
        } catch (JsonProcessingException e) { // a String holds no I/O to fail
            throw new ApiError(400, "the body is not valid JSON: " + e.getOriginalMessage());
        }
        if (node == null || node.isMissingNode()) {
            throw new ApiError(400, "the body is empty; expected a JSON object");
        }
        if (!node.isObject()) {
            throw new ApiError(400, "the body must be a JSON object, not " + kind(node));
        }
        return (ObjectNode) node;
    }

    /**
     * Refuses an object with a field outside {@code allowed}: a 400 naming the first such field, followed by
     * {@code where} (which says what the object is, or what it takes).
     */
    static void requireOnly(ObjectNode object, java.util.Set<String> allowed, String where) {
        for (java.util.Map.Entry<String, JsonNode> field : object.properties()) {
            if (!allowed.contains(field.getKey())) {
                throw new ApiError(400, "unknown field '" + field.getKey() + "'" + where);
            }
        }
    }

    public static String write(JsonNode node) {
        try {
            return MAPPER.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a tree always serializes", e);
        }
    }

    static String kind(JsonNode node) {
        return switch (node.getNodeType()) {
            case ARRAY -> "an array";
            case BOOLEAN -> "a boolean";
            case NULL -> "null";
            case NUMBER -> "a number";
            case OBJECT -> "an object";
            case STRING -> "a string";
            default -> node.getNodeType().name().toLowerCase(java.util.Locale.ROOT);
        };
    }
}
