package kvstore.node.http;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HttpResponseReaderTest {
    private static HttpResponseReader reader(String bytes, int maxBody) {
        return new HttpResponseReader(new ByteArrayInputStream(bytes.getBytes(StandardCharsets.ISO_8859_1)),
                maxBody);
    }

    @Test
    void readsPipelinedAnswersFramedByLengthAndByChunks() throws IOException {
        HttpResponseReader r = reader("HTTP/1.1 202 Accepted\r\nContent-Length: 2\r\n\r\nok"
                + "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3;ext=1\r\nabc\r\n2\r\nde\r\n0\r\nX-T: 1\r\n\r\n"
                + "HTTP/1.1 204 No Content\r\n\r\n"
                + "HTTP/1.1 503 Service Unavailable\nContent-Length: 0\nConnection: close\n\n", 100);
        HttpResponseReader.Response first = r.read();
        assertEquals(202, first.status());
        assertEquals("ok", first.text());
        assertTrue(first.success());
        assertEquals("abcde", r.read().text());
        assertEquals(204, r.read().status());
        HttpResponseReader.Response last = r.read();
        assertEquals(503, last.status());
        assertFalse(last.success());
        assertTrue(last.close());
        assertThrows(IOException.class, r::read); // nothing more: the stream ended
    }

    @Test
    void skipsInterimAnswersAndReadsNoBodyWhereThereIsNone() throws IOException {
        HttpResponseReader r = reader("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: x\r\n\r\n"
                + "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\na"
                + "HTTP/1.1 304 Not Modified\r\nContent-Length: 5\r\n\r\n"
                + "HTTP/1.1 202 Accepted\r\nContent-Length: 1\r\n\r\nb"
                + "HTTP/1.1 200 OK\r\nConnection: keep-alive, close\r\n\r\nuntil the end", 100);
        assertEquals("a", r.read().text());
        assertEquals(304, r.read().status()); // its Content-Length describes a body it does not have
        assertEquals("b", r.read().text());
        HttpResponseReader.Response last = r.read();
        assertTrue(last.close());
        assertEquals("until the end", last.text());
    }

    @Test
    void takesTwoEqualLengthsAndALengthOnANoContentAnswer() throws IOException {
        HttpResponseReader r = reader("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nab"
                + "HTTP/1.1 204 No Content\r\nContent-Length: 3\r\n\r\n"
                + "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n" + "X-T: 1\r\n".repeat(100)
                + "\r\nHTTP/1.1 202 Accepted\r\nContent-Length: 1\r\n\r\nc", 100);
        assertEquals("ab", r.read().text());
        assertEquals(204, r.read().status()); // and the next answer is read where it starts
        assertEquals("", r.read().text()); // a hundred trailer lines are allowed
        assertEquals("c", r.read().text());
    }

    @Test
    void refusesWhatIsNotAWellFramedAnswer() {
        for (String bad : new String[]{
                "SMTP 220 hello\r\n\r\n",
                "HTTP/1.1 2x0 OK\r\nContent-Length: 0\r\n\r\n",
                "HTTP/1.1 200 OK\r\nno colon here\r\n\r\n",
                "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
                "HTTP/1.1 200 OK\r\n\r\n", // no framing
                "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nabc", // cut short
                "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
                "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcX\r\n0\r\n\r\n",
                "HTTP/1.1 200 OK\r\nX: " + "a".repeat(9000) + "\r\n\r\n",
                "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n" + "\r".repeat(9000) + "\n\r\n", // bare CRs count
                "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n"
                        + "X-T: 1\r\n".repeat(101) + "\r\n", // too many trailers
                "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
                "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n+3\r\nabc\r\n0\r\n\r\n",
                "HTTP/1.1 2000 OK\r\nContent-Length: 0\r\n\r\n",
                "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
                "HTTP/1.1 200 OK\r\nContent-Length: +1\r\n\r\na",
                "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\nContent-Length: 1\r\n\r\na",
                "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n" + "a".repeat(101)}) {
            assertThrows(IOException.class, () -> reader(bad, 100).read(), bad);
        }
    }

    @Test
    void aBodyBeyondTheLimitIsRefusedBeforeItIsRead() {
        assertThrows(IOException.class, () -> reader("HTTP/1.1 200 OK\r\nContent-Length: 2000000000\r\n\r\n", 100)
                .read());
        assertThrows(IOException.class, () -> reader("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "40\r\n" + "a".repeat(64) + "\r\n40\r\n" + "a".repeat(64) + "\r\n0\r\n\r\n", 100).read());
    }

    @Test
    void encodesOneRequestAndRefusesALineBreakInItsHead() {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Content-Type", "application/json");
        byte[] request = HttpRequests.encode("PUT", "/data/k", "127.0.0.1:1", headers, "{}".getBytes());
        assertArrayEquals(("PUT /data/k HTTP/1.1\r\nHost: 127.0.0.1:1\r\nContent-Type: application/json\r\n"
                + "Content-Length: 2\r\n\r\n{}").getBytes(), request);
        assertThrows(IllegalArgumentException.class,
                () -> HttpRequests.encode("GET", "/", "h", Map.of("X-Token", "t\r\nX-Evil: 1"), null));
    }
}
