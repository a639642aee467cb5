package kvstore.checker.history;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads a history file: JSON Lines, or Jepsen-style EDN (told apart by how the input starts), with the meaning of
 * failed operations given, or the format's own ({@link Semantics}).
 */
public final class HistoryReader {
    private static final int PEEK = 256;

    private HistoryReader() {
    }

    public static History read(Path file) throws IOException, HistoryFormatException {
        return read(file, null);
    }

    /** @param semantics the meaning of failed operations, or {@code null} for the format's own */
    public static History read(Path file, Semantics semantics) throws IOException, HistoryFormatException {
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            return read(in, semantics);
        }
    }

    public static History read(Reader reader) throws IOException, HistoryFormatException {
        return read(reader, null);
    }

    public static History read(Reader reader, Semantics semantics) throws IOException, HistoryFormatException {
        BufferedReader in = reader instanceof BufferedReader b ? b : new BufferedReader(reader, 1 << 16);
        boolean edn = looksLikeEdn(in);
        HistoryBuilder builder = new HistoryBuilder(semantics != null ? semantics
                : edn ? Semantics.JEPSEN : Semantics.KVSTORE);
        if (edn) {
            EdnParser.parse(in, builder);
        } else {
            JsonLinesParser.parse(in, builder);
        }
        return builder.build();
    }

    /**
     * JSON objects start with a quoted name ({@code {"process": ...}}); EDN starts with a keyword
     * ({@code {:process ...}}), a wrapping vector or list, a tag or a comment.
     */
    private static boolean looksLikeEdn(BufferedReader in) throws IOException {
        in.mark(PEEK);
        char[] head = new char[PEEK];
        int n = Math.max(in.read(head, 0, PEEK), 0);
        in.reset();
        int i = skip(head, 0, n, false);
        if (i < n && head[i] == '[') { // Jepsen's vector of maps, or a JSON array of objects
            int j = skip(head, i + 1, n, false);
            if (j < n && head[j] == '{') {
                j = skip(head, j + 1, n, false);
                return !(j < n && head[j] == '"');
            }
            return true;
        }
        if (i < n && "(#;".indexOf(head[i]) >= 0) {
            return true;
        }
        if (i >= n || head[i] != '{') {
            return false;
        }
        i = skip(head, i + 1, n, true);
        return i < n && head[i] == ':';
    }

    /** The position of the first character from {@code from} on that is not whitespace (nor a comma, if asked). */
    private static int skip(char[] head, int from, int n, boolean commas) {
        int i = from;
        while (i < n && (Character.isWhitespace(head[i]) || commas && head[i] == ',')) {
            i++;
        }
        return i;
    }
}
