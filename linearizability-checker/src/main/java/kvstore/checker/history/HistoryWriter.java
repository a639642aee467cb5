package kvstore.checker.history;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.MinimalPrettyPrinter;

import java.io.IOException;
import java.io.Writer;

/** Writes events as JSON Lines in the format of docs/history-format.md. */
public final class HistoryWriter implements AutoCloseable {
    private static final JsonFactory FACTORY = new JsonFactory();
    private final JsonGenerator json;

    public HistoryWriter(Writer out) throws IOException {
        json = FACTORY.createGenerator(out);
        json.setPrettyPrinter(new MinimalPrettyPrinter("\n"));
    }

    public void write(Event event) throws IOException {
        json.writeStartObject();
        if (isNumber(event.process())) {
            json.writeNumberField("process", Long.parseLong(event.process()));
        } else {
            json.writeStringField("process", event.process());
        }
        json.writeStringField("type", event.type().wireName());
        json.writeStringField("f", event.f().wireName());
        if (event.key() != null) {
            json.writeStringField("key", event.key());
        }
        json.writeFieldName("value");
        if (event.value() instanceof CasArgument cas) {
            json.writeStartArray();
            json.writeString(cas.expected());
            json.writeString(cas.update());
            json.writeEndArray();
        } else {
            json.writeString((String) event.value());
        }
        if (event.time() != Event.NO_TIME) {
            json.writeNumberField("time", event.time());
        }
        json.writeEndObject();
    }

    /**
     * Writes a fault or other non-operation event as Jepsen does, {@code {"process": "nemesis", "type": "info",
     * "f": f, "value": text}}: readers keep it as an annotation for the timeline, never as an operation.
     */
    public void writeNemesis(String f, String text, long time) throws IOException {
        json.writeStartObject();
        json.writeStringField("process", "nemesis");
        json.writeStringField("type", "info");
        json.writeStringField("f", f);
        json.writeStringField("value", text);
        if (time != Event.NO_TIME) {
            json.writeNumberField("time", time);
        }
        json.writeEndObject();
    }

    /** Whether the process name reads back as the same name when written as a JSON number ("007" does not). */
    private static boolean isNumber(String s) {
        if (s.isEmpty() || s.length() > 18 || (s.length() > 1 && s.charAt(0) == '0')) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            if (!Character.isDigit(s.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    @Override
    public void close() throws IOException {
        json.writeRaw('\n');
        json.close();
    }
}
