package kvstore.node.server;

import kvstore.core.Command;
import kvstore.core.Message;
import kvstore.core.RequestId;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Acknowledgements are cumulative, so a batch keeps only the newest per view and incarnation. */
class PeersTest {
    @Test
    void aBatchKeepsTheNewestAckOfEachViewAndIncarnationAndEverythingElse() {
        Message.Replicate replicate = new Message.Replicate(3, 9, new RequestId("c", 1), Command.put("k", "v"));
        Message.Ack announce = new Message.Ack(3, -1, 7); // "I need the state": never merged away
        List<Message> batch = List.of(new Message.Ack(3, 4, 7), replicate, new Message.Ack(3, 6, 7), announce,
                new Message.Ack(3, 5, 7), new Message.Ack(4, 1, 7), new Message.Ack(3, 2, 8));
        assertEquals(List.of(replicate, announce, new Message.Ack(3, 6, 7), new Message.Ack(4, 1, 7),
                new Message.Ack(3, 2, 8)), Peers.coalesce(batch));
    }

    @Test
    void aBatchKeepsOnlyTheNewestStateOffer() {
        Message.StateOffer older = new Message.StateOffer(3, 10, java.util.Map.of("k", "a"), java.util.Map.of(),
                List.of());
        Message.StateOffer newer = new Message.StateOffer(4, 12, java.util.Map.of("k", "b"), java.util.Map.of(),
                List.of());
        Message.Heartbeat beat = new Message.Heartbeat(4, 1, 1);
        assertEquals(List.of(beat, newer), Peers.coalesce(List.of(older, beat, newer)));
    }
}
