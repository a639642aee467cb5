package kvstore.checker.history;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;

import java.io.IOException;
import java.io.Reader;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads JSON Lines (one object per line; a file that wraps them in one array is read too) with a single streaming
 * parser over the whole input.
 */
final class JsonLinesParser {
    private static final JsonFactory FACTORY = JsonFactory.builder()
            .enable(StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION)
            .build();

    private JsonLinesParser() {
    }

    static void parse(Reader in, HistoryBuilder builder) throws IOException, HistoryFormatException {
        int objectLine = 0; // the line the object being read starts on: a cut-off object is reported there
        try (JsonParser parser = FACTORY.createParser(in)) {
            JsonToken token;
            int arrays = 0; // also accepted: the objects in one top-level array
            while ((token = parser.nextToken()) != null) {
                int line = parser.currentTokenLocation().getLineNr();
                if (token == JsonToken.START_ARRAY && arrays == 0) {
                    arrays++;
                    continue;
                }
                if (token == JsonToken.END_ARRAY && arrays == 1) {
                    arrays++;
                    continue;
                }
                if (token != JsonToken.START_OBJECT) {
                    throw new HistoryFormatException(line, "each line must be a JSON object, found " + token);
                }
                objectLine = line;
                RawEvent fields = new RawEvent();
                while (parser.nextToken() == JsonToken.FIELD_NAME) {
                    String name = parser.currentName();
                    parser.nextToken();
                    fields.set(name, readValue(parser));
                }
                objectLine = 0;
                Event event = EventDecoder.decode(fields, line, builder);
                if (event != null) {
                    builder.add(event);
                }
            }
        } catch (JsonProcessingException e) {
            int line = objectLine > 0 ? objectLine : e.getLocation() == null ? 0 : e.getLocation().getLineNr();
            throw new HistoryFormatException(line, "not valid JSON: " + e.getOriginalMessage());
        }
    }

    private static Map<String, Object> readObject(JsonParser parser) throws IOException {
        Map<String, Object> fields = new HashMap<>(8);
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
            String name = parser.currentName();
            parser.nextToken();
            fields.put(name, readValue(parser));
        }
        return fields;
    }

    private static Object readValue(JsonParser parser) throws IOException {
        return switch (parser.currentToken()) {
            case VALUE_STRING -> parser.getText();
            case VALUE_NUMBER_INT -> parser.getNumberType() == JsonParser.NumberType.BIG_INTEGER
                    ? parser.getBigIntegerValue() : (Object) parser.getLongValue();
            case VALUE_NUMBER_FLOAT -> parser.getDoubleValue();
            case VALUE_TRUE -> Boolean.TRUE;
            case VALUE_FALSE -> Boolean.FALSE;
            case VALUE_NULL -> null;
            case START_ARRAY -> {
                List<Object> items = new ArrayList<>(2);
                while (parser.nextToken() != JsonToken.END_ARRAY) {
                    items.add(readValue(parser));
                }
                yield items;
            }
            case START_OBJECT -> readObject(parser);
            default -> throw new IllegalStateException("unexpected token " + parser.currentToken());
        };
    }
}
