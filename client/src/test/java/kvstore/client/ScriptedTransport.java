package kvstore.client;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;

/** A transport that answers from a script, no network: what each request gets, and where each went. */
final class ScriptedTransport implements Transport {
    /** The answer to one request. */
    interface Script {
        Response answer(String address, Request request) throws IOException;
    }

    private final Script script;
    final List<String> sent = new ArrayList<>();

    ScriptedTransport(Script script) {
        this.script = script;
    }

    static Response json(int status, String body) {
        return new Response(status, body.getBytes(StandardCharsets.UTF_8), OptionalLong.empty());
    }

    /** GET /view answered by every address: a view of one node, {@code primary}, with this epoch. */
    static Response view(String primaryAddress, long epoch, boolean fromPrimary) {
        return json(200, "{\"view\":[{\"address\":\"" + primaryAddress + "\",\"id\":7}],\"primary\":7,\"epoch\":"
                + epoch + ",\"role\":\"" + (fromPrimary ? "primary" : "backup") + "\"}");
    }

    @Override
    public synchronized Response send(String address, Request request, Duration timeout) throws IOException {
        sent.add(address + " " + request.method() + " " + request.path());
        return script.answer(address, request);
    }

    @Override
    public void close() {
    }
}
