package kvstore.client;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Where the client sends: the primary of the newest view the nodes report. */
class RouterTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static Router router(ScriptedTransport.Script views, Map<Long, String> byId, String... seeds) {
        return Router.toPrimary(JSON, new ScriptedTransport(views), List.of(seeds), byId, Duration.ofSeconds(1));
    }

    /** A deposed primary still names itself; the others have moved on to a newer view. */
    @Test
    void thePrimaryOfTheNewestViewReportedWins() {
        Router r = router((address, request) -> switch (address) {
            case "a:1" -> ScriptedTransport.view("a:1", 3, true);  // deposed, and does not know it
            case "b:2" -> ScriptedTransport.view("b:2", 5, false); // a backup of view 5
            default -> throw new IOException("down");
        }, Map.of(), "a:1", "b:2", "c:3");
        assertEquals("b:2", r.target());
    }

    @Test
    void atTheSameEpochThePrimarysOwnReportWins() {
        Router r = router((address, request) -> ScriptedTransport.view(address, 4, address.equals("c:3")),
                Map.of(), "a:1", "b:2", "c:3");
        assertEquals("c:3", r.target());
    }

    /** The views name the addresses the nodes use among themselves; the client may reach them elsewhere. */
    @Test
    void anAddressGivenForAnIdTakesThePlaceOfTheViews() {
        Router r = router((address, request) -> ScriptedTransport.view("proxy:7", 2, true), Map.of(7L, "direct:7"),
                "a:1");
        assertEquals("direct:7", r.target());
    }

    @Test
    void withNoViewAnywhereEachNodeIsTriedInTurn() {
        Router r = router((address, request) -> ScriptedTransport.json(200, "{\"view\":[],\"epoch\":0}"),
                Map.of(), "a:1", "b:2");
        assertEquals(List.of("a:1", "b:2", "a:1"), List.of(r.target(), r.target(), r.target()));
    }

    @Test
    void aFailedPrimaryIsFoundAgain() {
        int[] epoch = {1};
        Router r = router((address, request) -> ScriptedTransport.view(epoch[0] == 1 ? "a:1" : "b:2", epoch[0],
                true), Map.of(), "a:1", "b:2");
        assertEquals("a:1", r.target());
        epoch[0] = 2;
        assertEquals("a:1", r.target(), "known: not asked again");
        r.failed("a:1");
        assertEquals("b:2", r.target());
    }
}
