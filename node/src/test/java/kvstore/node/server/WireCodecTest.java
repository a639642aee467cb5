package kvstore.node.server;

import kvstore.core.ChainId;
import kvstore.core.LoggedOp;
import kvstore.core.Command;
import kvstore.core.Message;
import kvstore.core.RequestId;
import kvstore.core.Result;
import kvstore.node.wire.WireCodec;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Every core message survives the trip through JSON unchanged, nulls and odd strings included. */
class WireCodecTest {
    static Stream<Message> messages() {
        RequestId id = new RequestId("idempotency-key:ü/\"\n", -42);
        Map<String, String> data = new TreeMap<>(Map.of("", "empty key", "k", "", "ключ", "значение"));
        return Stream.of(
                new Message.ClientRequest(id, Command.put("k", "v"), false),
                new Message.ClientRequest(id, Command.cas("k", null, "new"), true),
                new Message.ClientRequest(id, Command.getAll(), false),
                new Message.ClientReply(id, new Result(Result.Status.CAS_MISMATCH, "cur", null, 7, null)),
                new Message.ClientReply(id, new Result(Result.Status.OK, null, data, 9, null)),
                new Message.ClientReply(id, Result.unavailable("why")),
                new Message.Replicate(3, 11, id, Command.delete("gone")),
                new Message.Ack(3, -1, 1_795_000_000_000L),
                new Message.Ack(3, -1, 2, 0, 0, true, List.of(new ChainId("1", 5, 2), new ChainId("3", 6, 4)), 77),
                new Message.Ack(3, 12, 2, 4, 1_795_000_000_001L, false, List.of(), 0),
                new Message.Replicate(3, 12, id, Command.put("k", "v"), 4, 1_795_000_000_001L),
                new Message.StateRequest(8),
                new Message.StateOffer(8, 3, data, Map.of(id, Result.unavailable("x")), List.of(new ChainId("2", 1, 5))),
                new Message.Heartbeat(9, 4, 1_795_000_000_001L),
                new Message.CatchUp(4, 99, 1_795_000_000_001L, 3, 0, 12, true, null,
                        List.of(new LoggedOp(13, new ChainId("1", 1_795_000_000_001L, 3), id, Command.put("k", "v"),
                                new Result(Result.Status.UPDATED, null, null, 13, null)),
                                new LoggedOp(14, new ChainId("1", 1_795_000_000_001L, 3), id, Command.get("k"), null)),
                        new java.util.LinkedHashMap<>(Map.of(id, new Result(Result.Status.UPDATED, null, null, 5,
                                null))), data, false, false, List.of(new ChainId("1", 1_795_000_000_001L, 3))),
                new Message.CatchUp(4, 99, 7, 3, 5, 12, false, new ChainId("2", 1, 5), List.of(), Map.of(),
                        new TreeMap<>(), true, true, List.of()),
                new Message.CatchUpAck(4, 99, 3, -1, new ChainId("2", 1, 5), 17),
                new Message.CatchUpAck(4, 99, 3, 6, null, 0));
    }

    @ParameterizedTest
    @MethodSource("messages")
    void roundTrips(Message message) throws Exception {
        String json = Json.write(WireCodec.encode(message));
        assertEquals(message, WireCodec.decode(Json.MAPPER.readTree(json)), json);
    }
}
