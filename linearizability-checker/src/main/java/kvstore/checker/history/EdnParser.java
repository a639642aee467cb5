package kvstore.checker.history;

import java.io.IOException;
import java.io.Reader;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads Jepsen-style EDN histories as Jepsen writes them: op maps such as
 * {@code {:process 0, :type :invoke, :f :read, :value nil}}, one per line (Jepsen's {@code history.edn}) or
 * wrapped in a vector or list, spread over several lines or not, with {@code ;} comments, {@code #_} discards and
 * tagged values ({@code #jepsen.history.Op{...}} reads as its map, {@code #inst "..."} as its string).
 *
 * <p>Only the part of EDN that histories use is understood: maps, vectors, lists, sets, strings, characters,
 * keywords, symbols, integers, floats, booleans and nil. The input is streamed, never held whole.
 */
final class EdnParser {
    private static final int MAX_DEPTH = 64; // ops nest two or three levels, a wrapping vector one more
    /** What {@code #_ form} reads as: nothing, which the collection (or the file) around it skips. */
    private static final Object DISCARDED = new Object();

    private final Reader in;
    private int peeked = -2; // -2: nothing peeked
    private int line = 1;
    private int column;
    private int depth;

    private EdnParser(Reader in) {
        this.in = in;
    }

    static void parse(Reader in, HistoryBuilder builder) throws IOException, HistoryFormatException {
        new EdnParser(in).readAll(builder);
    }

    private void readAll(HistoryBuilder builder) throws IOException, HistoryFormatException {
        while (true) {
            skipSpace();
            int c = peek();
            if (c < 0) {
                return;
            }
            if (c == '[' || c == '(') { // a whole history wrapped in one collection
                int startLine = line;
                next();
                char close = c == '[' ? ']' : ')';
                while (true) {
                    skipSpace();
                    int d = peek();
                    if (d < 0) {
                        throw new HistoryFormatException(startLine, "not valid EDN: the history ends before the '"
                                + close + "' that closes the '" + (char) c + "' on this line");
                    }
                    if (d == close) {
                        next();
                        break;
                    }
                    readOp(builder);
                }
            } else {
                readOp(builder);
            }
        }
    }

    private void readOp(HistoryBuilder builder) throws IOException, HistoryFormatException {
        skipSpace();
        int opLine = line;
        Object value = readValue();
        if (value == DISCARDED) {
            return;
        }
        if (!(value instanceof Map<?, ?> map)) {
            throw new HistoryFormatException(opLine, "each operation must be an EDN map such as"
                    + " {:process 0, :type :invoke, :f :read, :value nil}, not " + describe(value));
        }
        RawEvent fields = new RawEvent();
        for (Map.Entry<?, ?> e : map.entrySet()) {
            fields.set(e.getKey() instanceof Keyword k ? k.name() : String.valueOf(e.getKey()), e.getValue());
        }
        Event event = EventDecoder.decode(fields, opLine, builder);
        if (event != null) {
            builder.add(event);
        }
    }

    private Object readValue() throws IOException, HistoryFormatException {
        if (++depth > MAX_DEPTH) {
            throw error("nested more than " + MAX_DEPTH + " levels deep");
        }
        try {
            return readOneValue();
        } finally {
            depth--;
        }
    }

    private Object readOneValue() throws IOException, HistoryFormatException {
        skipSpace();
        int c = peek();
        if (c < 0) {
            throw error("the input ends inside a value");
        }
        switch (c) {
            case '{':
                next();
                return readMap();
            case '[':
                next();
                return readSequence(']');
            case '(':
                next();
                return readSequence(')');
            case '"':
                next();
                return readString();
            case ':':
                next();
                return new Keyword(readToken());
            case '\\':
                next();
                return readCharacter();
            case '#':
                next();
                return readDispatch();
            case '}', ']', ')':
                throw error("unexpected '" + (char) c + "'");
            default:
                return readAtom();
        }
    }

    /**
     * {@code #{...}} a set, {@code #_ form} a discarded form, {@code ##Inf} and the like a symbolic number,
     * {@code #"..."} a regular expression (its text), {@code #'name} a var (its name), {@code #tag form} a tagged
     * value: its form.
     */
    private Object readDispatch() throws IOException, HistoryFormatException {
        int c = peek();
        switch (c) {
            case '{' -> {
                next();
                return readSequence('}');
            }
            case '_' -> {
                next();
                readValue();
                return DISCARDED;
            }
            case '#' -> {
                next();
                String name = readToken();
                return switch (name) {
                    case "Inf" -> Double.POSITIVE_INFINITY;
                    case "-Inf" -> Double.NEGATIVE_INFINITY;
                    case "NaN" -> Double.NaN;
                    default -> throw error("unknown symbolic value ##" + name);
                };
            }
            case '"' -> {
                next();
                return readString();
            }
            case '\'' -> {
                next();
                return readToken();
            }
            default -> {
                if (c < 0 || Character.isWhitespace(c)) {
                    throw error("a '#' with nothing after it");
                }
                readToken(); // the tag's name: a record or a reader literal, read as what it wraps
                return readValue();
            }
        }
    }

    private Map<Object, Object> readMap() throws IOException, HistoryFormatException {
        Map<Object, Object> map = new LinkedHashMap<>();
        while (true) {
            skipSpace();
            int c = peek();
            if (c < 0) {
                throw error("the input ends inside a map");
            }
            if (c == '}') {
                next();
                return map;
            }
            Object key = readValue();
            if (key == DISCARDED) {
                continue;
            }
            Object value;
            do {
                skipSpace();
                if (peek() == '}') {
                    throw error("a map key without a value");
                }
                value = readValue();
            } while (value == DISCARDED);
            map.put(key, value);
        }
    }

    private List<Object> readSequence(char close) throws IOException, HistoryFormatException {
        List<Object> items = new ArrayList<>(2);
        while (true) {
            skipSpace();
            int c = peek();
            if (c < 0) {
                throw error("the input ends before '" + close + "'");
            }
            if (c == close) {
                next();
                return items;
            }
            Object item = readValue();
            if (item != DISCARDED) {
                items.add(item);
            }
        }
    }

    private String readString() throws IOException, HistoryFormatException {
        int startLine = line;
        StringBuilder out = new StringBuilder();
        while (true) {
            int c = next();
            if (c < 0) {
                throw new HistoryFormatException(startLine, "not valid EDN: a string is not closed");
            }
            if (c == '"') {
                return out.toString();
            }
            if (c != '\\') {
                out.append((char) c);
                continue;
            }
            int e = next();
            switch (e) {
                case 'n' -> out.append('\n');
                case 't' -> out.append('\t');
                case 'r' -> out.append('\r');
                case 'b' -> out.append('\b');
                case 'f' -> out.append('\f');
                case '"', '\\' -> out.append((char) e);
                case 'u' -> out.append((char) hex4());
                default -> throw error(e < 0 ? "a string is not closed" : "unknown escape \\" + (char) e);
            }
        }
    }

    private int hex4() throws IOException, HistoryFormatException {
        int v = 0;
        for (int i = 0; i < 4; i++) {
            int d = Character.digit(next(), 16);
            if (d < 0) {
                throw error("a \\u escape needs four hex digits");
            }
            v = v * 16 + d;
        }
        return v;
    }

    private String readCharacter() throws IOException, HistoryFormatException {
        int first = next();
        if (first < 0) {
            throw error("a character literal with nothing after '\\'");
        }
        StringBuilder name = new StringBuilder().append((char) first);
        while (isTokenChar(peek())) {
            name.append((char) next());
        }
        return switch (name.toString()) {
            case "newline" -> "\n";
            case "space" -> " ";
            case "tab" -> "\t";
            case "return" -> "\r";
            default -> {
                if (name.length() == 5 && name.charAt(0) == 'u'
                        && name.chars().skip(1).allMatch(ch -> Character.digit(ch, 16) >= 0)) {
                    yield String.valueOf((char) Integer.parseInt(name.substring(1), 16));
                }
                yield name.toString();
            }
        };
    }

    private Object readAtom() throws IOException, HistoryFormatException {
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
        if (Character.isDigit(first) || ((first == '-' || first == '+') && token.length() > 1
                && Character.isDigit(token.charAt(1)))) {
            String number = token.endsWith("N") || token.endsWith("M") ? token.substring(0, token.length() - 1) : token;
            try {
                return Long.parseLong(number);
            } catch (NumberFormatException notLong) {
                if (number.matches("[+-]?\\d+")) {
                    return number; // an integer beyond 64 bits: its decimal text, as a value is compared
                }
                try {
                    return Double.parseDouble(number);
                } catch (NumberFormatException notDouble) {
                    return token; // a ratio such as 1/3, or a radix number: kept as written
                }
            }
        }
        return token; // a symbol; kept as text
    }

    private String readToken() throws IOException, HistoryFormatException {
        StringBuilder token = new StringBuilder();
        while (isTokenChar(peek())) {
            token.append((char) next());
        }
        if (token.isEmpty()) {
            int c = peek();
            throw error(c < 0 ? "the input ends inside a value" : "unexpected '" + (char) c + "'");
        }
        return token.toString();
    }

    private static boolean isTokenChar(int c) {
        return c >= 0 && !Character.isWhitespace(c) && c != ',' && c != ';' && "{}[]()\"".indexOf(c) < 0;
    }

    /** Whitespace, commas and {@code ;} comments to the end of the line. */
    private void skipSpace() throws IOException {
        while (true) {
            int c = peek();
            if (c == ';') {
                while (peek() >= 0 && peek() != '\n') {
                    next();
                }
            } else if (c >= 0 && (Character.isWhitespace(c) || c == ',')) {
                next();
            } else {
                return;
            }
        }
    }

    private int peek() throws IOException {
        if (peeked == -2) {
            peeked = in.read();
        }
        return peeked;
    }

    private int next() throws IOException {
        int c = peek();
        peeked = -2;
        if (c == '\n') {
            line++;
            column = 0;
        } else if (c >= 0) {
            column++;
        }
        return c;
    }

    private HistoryFormatException error(String problem) {
        return new HistoryFormatException(line, "not valid EDN at column " + Math.max(column, 1) + ": " + problem);
    }

    private static String describe(Object value) {
        return switch (value) {
            case null -> "nil";
            case List<?> l -> "a sequence of " + l.size();
            case String s -> '"' + s + '"';
            default -> String.valueOf(value);
        };
    }
}
