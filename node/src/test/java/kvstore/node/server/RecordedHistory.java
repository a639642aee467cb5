package kvstore.node.server;

import kvstore.checker.history.Event;
import kvstore.checker.history.EventType;
import kvstore.checker.history.History;
import kvstore.checker.history.OpKind;
import kvstore.checker.model.RegisterModel;
import kvstore.checker.search.CheckOptions;
import kvstore.checker.search.CheckResult;
import kvstore.checker.search.LinearizabilityChecker;
import kvstore.sim.workload.HistoryRecorder;

import java.time.Duration;

/**
 * What concurrent HTTP clients saw, in the checker's history format, in real-time order: an invocation is
 * recorded before its request is sent and a completion after its response arrives. A 503 on a write is
 * indeterminate (it may still take effect); on a read it is a failure.
 */
final class RecordedHistory {
    private final HistoryRecorder recorder = new HistoryRecorder(System::nanoTime);

    /** Runs a put through {@code address} as {@code process}, recording it; returns the response. */
    Http.Response put(String process, String address, String key, String value) {
        record(Event.invoke(process, OpKind.PUT, key, value));
        Http.Response r = Http.put(address, key, value);
        EventType type = r.status() == 200 || r.status() == 201 ? EventType.OK
                : r.status() == 503 ? EventType.INFO : EventType.FAIL;
        record(Event.completion(process, type, OpKind.PUT, key, value));
        return r;
    }

    Http.Response get(String process, String address, String key) {
        record(Event.invoke(process, OpKind.GET, key, null));
        Http.Response r = Http.get(address, key);
        if (r.status() == 200) {
            record(Event.completion(process, EventType.OK, OpKind.GET, key, r.body().path("value").asText()));
        } else if (r.status() == 404) {
            record(Event.completion(process, EventType.OK, OpKind.GET, key, null));
        } else {
            record(Event.completion(process, EventType.FAIL, OpKind.GET, key, null));
        }
        return r;
    }

    private void record(Event event) {
        recorder.record(event);
    }

    History history() {
        return recorder.history();
    }

    CheckResult check() {
        return LinearizabilityChecker.check(history(), new RegisterModel(),
                CheckOptions.defaults().withTimeout(Duration.ofSeconds(30)));
    }
}
