package kvstore.client;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A network that loses answers and invents refusals, for writes (reads and view reports pass untouched), drawn
 * from a seed. A lost answer reaches the node first, so the write is applied and the client cannot know; an
 * invented 503 says nothing of the attempt, as a node's "not every backup confirmed it" does not.
 */
final class FaultyTransport implements Transport {
    private static final byte[] UNKNOWN_503 = "{\"error\":\"injected: not acknowledged\",\"retryable\":true}"
            .getBytes(StandardCharsets.UTF_8);

    private final Transport real;
    private final SplittableRandom random;
    private final double loseAnswer;
    private final double refuseUnsent;
    private final double answer503Applied;
    private final boolean dropIdempotencyKey;
    final AtomicInteger lostAnswers = new AtomicInteger();
    final AtomicInteger refusedUnsent = new AtomicInteger();
    final AtomicInteger applied503s = new AtomicInteger();
    /** Where each request went, with its method and path. */
    final List<String> sent = java.util.Collections.synchronizedList(new ArrayList<>());

    /**
     * @param loseAnswer         the share of writes sent, applied, and their answer lost
     * @param refuseUnsent       the share answered 503 without reaching a node
     * @param answer503Applied   the share sent, applied, and answered 503 instead
     * @param dropIdempotencyKey the planted bug: attempts no longer carry the write's key
     */
    FaultyTransport(Transport real, long seed, double loseAnswer, double refuseUnsent, double answer503Applied,
                    boolean dropIdempotencyKey) {
        this.real = real;
        this.random = new SplittableRandom(seed);
        this.loseAnswer = loseAnswer;
        this.refuseUnsent = refuseUnsent;
        this.answer503Applied = answer503Applied;
        this.dropIdempotencyKey = dropIdempotencyKey;
    }

    /** Passes everything through, recording where it went. */
    static FaultyTransport recording(Transport real) {
        return new FaultyTransport(real, 0, 0, 0, 0, false);
    }

    @Override
    public Response send(String address, Request request, Duration timeout) throws IOException {
        sent.add(address + " " + request.method() + " " + request.path());
        if (request.method().equals("GET")) {
            return real.send(address, request, timeout);
        }
        if (dropIdempotencyKey) {
            Map<String, String> headers = new LinkedHashMap<>(request.headers());
            headers.remove("Idempotency-Key");
            request = new Request(request.method(), request.path(), headers, request.body());
        }
        double draw;
        synchronized (random) {
            draw = random.nextDouble();
        }
        if (draw < refuseUnsent) {
            refusedUnsent.incrementAndGet();
            return new Response(503, UNKNOWN_503, OptionalLong.empty());
        }
        Response answer = real.send(address, request, timeout);
        if (draw < refuseUnsent + loseAnswer) {
            lostAnswers.incrementAndGet();
            throw new IOException("injected: the answer from " + address + " was lost");
        }
        if (draw < refuseUnsent + loseAnswer + answer503Applied) {
            applied503s.incrementAndGet();
            return new Response(503, UNKNOWN_503, OptionalLong.empty());
        }
        return answer;
    }

    @Override
    public void close() {
        real.close();
    }
}
