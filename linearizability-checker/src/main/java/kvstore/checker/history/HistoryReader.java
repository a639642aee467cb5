package kvstore.checker.history;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Reads a history file: JSON Lines, or Jepsen-style EDN lines (told apart by the first line). */
public final class HistoryReader {
    private static final int PEEK = 256;

    private HistoryReader() {
    }

    public static History read(Path file) throws IOException, HistoryFormatException {
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            return read(in);
        }
    }

    public static History read(Reader reader) throws IOException, HistoryFormatException {
        BufferedReader in = reader instanceof BufferedReader b ? b : new BufferedReader(reader, 1 << 16);
        HistoryBuilder builder = new HistoryBuilder();
        if (looksLikeEdn(in)) {
            EdnLineParser.parse(in, builder);
        } else {
            JsonLinesParser.parse(in, builder);
        }
        return builder.build();
    }

    /** EDN maps start with a keyword ({@code {:process ...}}), JSON objects with a quoted name. */
    private static boolean looksLikeEdn(BufferedReader in) throws IOException {
        in.mark(PEEK);
        char[] head = new char[PEEK];
        int n = in.read(head, 0, PEEK);
        in.reset();
        int i = 0;
        while (i < n && Character.isWhitespace(head[i])) {
            i++;
        }
        if (i >= n || head[i] != '{') {
            return false;
        }
        i++;
        while (i < n && (Character.isWhitespace(head[i]) || head[i] == ',')) {
            i++;
        }
        return i < n && head[i] == ':';
    }
}
