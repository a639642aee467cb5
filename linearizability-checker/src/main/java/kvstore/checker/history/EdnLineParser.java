package kvstore.checker.history;

import java.io.BufferedReader;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads Jepsen-style histories: one EDN map per line, such as
 * {@code {:process 0, :type :invoke, :f :get, :key "6", :value nil}}. Only the part of EDN that such lines use
 * is understood: maps, vectors, lists, sets, strings, keywords, symbols, integers, floats, booleans and nil.
 */
final class EdnLineParser {
    private static final int MAX_DEPTH = 64; // history lines nest two or three levels; deeper is not a history

    private final String text;
    private final int line;
    private int pos;
    private int depth;

    private EdnLineParser(String text, int line) {
        this.text = text;
        this.line = line;
    }

    static void parse(BufferedReader in, HistoryBuilder builder) throws IOException, HistoryFormatException {
        String text;
        int line = 0;
        while ((text = in.readLine()) != null) {
            line++;
            if (text.isBlank()) {
                continue;
            }
            RawEvent fields = new EdnLineParser(text, line).readLine();
            Event event = EventDecoder.decode(fields, line, builder);
            if (event != null) {
                builder.add(event);
            }
        }
    }

    private RawEvent readLine() throws HistoryFormatException {
        skipSpace();
        if (!peek('{')) {
            throw error("each line must be an EDN map such as {:process 0, :type :invoke, ...}");
        }
        Object value = readValue();
        skipSpace();
        if (pos < text.length()) {
            throw error("unexpected text after the map");
        }
        RawEvent fields = new RawEvent();
        for (Map.Entry<?, ?> e : ((Map<?, ?>) value).entrySet()) {
            fields.set(e.getKey() instanceof Keyword k ? k.name() : String.valueOf(e.getKey()), e.getValue());
        }
        return fields;
    }

    private Object readValue() throws HistoryFormatException {
        if (++depth > MAX_DEPTH) {
            throw error("nested more than " + MAX_DEPTH + " levels deep");
        }
        try {
            return readOneValue();
        } finally {
            depth--;
        }
    }

    private Object readOneValue() throws HistoryFormatException {
        skipSpace();
        if (pos >= text.length()) {
            throw error("the line ends inside a value");
        }
        char c = text.charAt(pos);
        switch (c) {
            case '{':
                pos++;
                return readMap();
            case '[':
                pos++;
                return readSequence(']');
            case '(':
                pos++;
                return readSequence(')');
            case '#':
                if (pos + 1 < text.length() && text.charAt(pos + 1) == '{') {
                    pos += 2;
                    return readSequence('}');
                }
                throw error("unsupported EDN tag");
            case '"':
                pos++;
                return readString();
            case ':':
                pos++;
                return new Keyword(readToken());
            default:
                return readAtom();
        }
    }

    private Map<Object, Object> readMap() throws HistoryFormatException {
        Map<Object, Object> map = new LinkedHashMap<>();
        while (true) {
            skipSpace();
            if (peek('}')) {
                pos++;
                return map;
            }
            Object key = readValue();
            skipSpace();
            if (peek('}')) {
                throw error("a map key without a value");
            }
            map.put(key, readValue());
        }
    }

    private List<Object> readSequence(char close) throws HistoryFormatException {
        List<Object> items = new ArrayList<>(2);
        while (true) {
            skipSpace();
            if (pos >= text.length()) {
                throw error("the line ends before '" + close + "'");
            }
            if (peek(close)) {
                pos++;
                return items;
            }
            items.add(readValue());
        }
    }

    private String readString() throws HistoryFormatException {
        StringBuilder out = new StringBuilder();
        while (pos < text.length()) {
            char c = text.charAt(pos++);
            if (c == '"') {
                return out.toString();
            }
            if (c != '\\') {
                out.append(c);
                continue;
            }
            if (pos >= text.length()) {
                break;
            }
            char e = text.charAt(pos++);
            switch (e) {
                case 'n' -> out.append('\n');
                case 't' -> out.append('\t');
                case 'r' -> out.append('\r');
                case '"', '\\' -> out.append(e);
                case 'u' -> {
                    if (pos + 4 > text.length()) {
                        throw error("a \\u escape needs four hex digits");
                    }
                    try {
                        out.append((char) Integer.parseInt(text.substring(pos, pos + 4), 16));
                    } catch (NumberFormatException ex) {
                        throw error("a \\u escape needs four hex digits");
                    }
                    pos += 4;
                }
                default -> throw error("unknown escape \\" + e);
            }
        }
        throw error("a string is not closed");
    }

    private Object readAtom() throws HistoryFormatException {
        String token = readToken();
        switch (token) {
            case "nil":
                return null;
            case "true":
                return Boolean.TRUE;
            case "false":
                return Boolean.FALSE;
            default:
                break;
        }
        char first = token.charAt(0);
        if (Character.isDigit(first) || ((first == '-' || first == '+') && token.length() > 1)) {
            String number = token.endsWith("N") || token.endsWith("M") ? token.substring(0, token.length() - 1) : token;
            try {
                return Long.parseLong(number);
            } catch (NumberFormatException notLong) {
                try {
                    return Double.parseDouble(number);
                } catch (NumberFormatException notNumber) {
                    throw error("not a number: " + token);
                }
            }
        }
        return token; // a symbol; kept as text
    }

    private String readToken() throws HistoryFormatException {
        int start = pos;
        while (pos < text.length()) {
            char c = text.charAt(pos);
            if (Character.isWhitespace(c) || c == ',' || "{}[]()\"".indexOf(c) >= 0) {
                break;
            }
            pos++;
        }
        if (start == pos) {
            throw error("unexpected '" + (pos < text.length() ? text.charAt(pos) : ' ') + "'");
        }
        return text.substring(start, pos);
    }

    private void skipSpace() {
        while (pos < text.length() && (Character.isWhitespace(text.charAt(pos)) || text.charAt(pos) == ',')) {
            pos++;
        }
    }

    private boolean peek(char c) {
        return pos < text.length() && text.charAt(pos) == c;
    }

    private HistoryFormatException error(String problem) {
        return new HistoryFormatException(line, "not valid EDN at column " + (pos + 1) + ": " + problem);
    }
}
