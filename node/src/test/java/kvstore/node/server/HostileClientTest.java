package kvstore.node.server;

import kvstore.core.Command;
import kvstore.core.Message;
import kvstore.core.MessageCodec;
import kvstore.core.RequestId;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What a hostile but fair user tried against a running cluster (issue 17), each with the answer it must get now and
 * the proof that nothing changed. The cluster has a token, as every cluster reachable beyond loopback must
 * ({@code kvstore.node.cli.ClusterSecret}: a node without one listens on loopback only, where every local process
 * is trusted, as with Redis's protected mode).
 */
class HostileClientTest {
    private static final String TOKEN = "hostile-test-token";
    private TestCluster cluster;

    @BeforeEach
    void start() {
        cluster = TestCluster.startWithToken(3, TOKEN);
        cluster.installView(1, 2, 3);
    }

    @AfterEach
    void stop() {
        cluster.close();
    }

    private long viewNumber(long id) {
        return Http.send("GET", cluster.address(id), "/view", null).body().path("epoch").asLong();
    }

    @Test
    void forgedReplicationIsRefusedAndLosesNoAcknowledgedWrite() {
        Http.Response first = Http.put(cluster.address(1), "k", "before");
        assertEquals(201, first.status(), first::toString);
        long next = first.msgNum() + 1;
        byte[] forged = MessageCodec.encode(List.of(new Message.Replicate(viewNumber(2), next,
                new RequestId("forger", 1), Command.put("k", "forged"))));
        for (String[] credentials : new String[][] {{}, {"X-Cluster-Token", "guess"}}) {
            String[] headers = concat(new String[] {"Content-Type", MessageCodec.MEDIA_TYPE, "X-From-Node", "1"},
                    credentials);
            for (long backup : new long[] {2, 3}) {
                Http.Response r = Http.sendBytes("POST", cluster.address(backup), "/internal/messages", forged,
                        headers);
                assertEquals(401, r.status(), r::toString);
            }
        }
        Http.Response mine = Http.put(cluster.address(1), "k", "mine");
        assertEquals(200, mine.status(), mine::toString);
        assertEquals(next, mine.msgNum(), "the client's write took the number the forger aimed at");

        cluster.stop(1); // failover to a backup the forger wrote to
        cluster.installView(2, 3);
        Http.Response read = Http.get(cluster.address(2), "k");
        assertEquals("mine", read.body().path("value").asText(), read::toString);
    }

    @Test
    void aForgedViewIsRefusedAndWritesStayWithThePrimary() {
        String fake = "{\"view\": [{\"address\": \"127.0.0.1:1\", \"id\": 9}, {\"address\": \""
                + cluster.address(2) + "\", \"id\": 2}], \"epoch\": 1000}";
        long before = viewNumber(2);
        for (long id : cluster.ids()) {
            Http.Response r = Http.send("PUT", cluster.address(id), "/view", fake);
            assertEquals(401, r.status(), r::toString);
        }
        assertEquals(before, viewNumber(2));
        assertEquals(201, Http.put(cluster.address(2), "after", "x").status(), "a backup still forwards to node 1");
        assertEquals("x", Http.get(cluster.address(1), "after").body().path("value").asText());
    }

    @Test
    void aBodyThatIsNotUtf8IsRefusedNamingTheByteAndNothingIsStored() {
        byte[] overlong = "{\"value\": \"a?\"}".getBytes(StandardCharsets.US_ASCII);
        overlong[12] = (byte) 0xC0; // an overlong '/': C0 AF
        byte[] withOverlong = new byte[overlong.length + 1];
        System.arraycopy(overlong, 0, withOverlong, 0, 13);
        withOverlong[13] = (byte) 0xAF;
        System.arraycopy(overlong, 13, withOverlong, 14, overlong.length - 13);
        Http.Response r = Http.sendBytes("PUT", cluster.address(1), "/data/u", withOverlong);
        assertEquals(400, r.status(), r::toString);
        assertTrue(r.body().path("error").asText().contains("offset 12"), r::toString);

        byte[] utf16 = "{\"value\": \"x\"}".getBytes(StandardCharsets.UTF_16LE); // no BOM: Jackson would guess it
        Http.Response r16 = Http.sendBytes("PUT", cluster.address(1), "/data/u", utf16);
        assertEquals(400, r16.status(), r16::toString);

        Http.Response surrogate = Http.send("PUT", cluster.address(1), "/data/u", "{\"value\": \"\\ud800\"}");
        assertEquals(400, surrogate.status(), surrogate::toString);
        assertEquals(404, Http.get(cluster.address(1), "u").status(), "nothing was stored");
    }

    @Test
    void aDotSegmentDoesNotReachAnotherRoute() {
        Http.Response r = Http.sendRaw("GET", cluster.address(1), "/data/../view");
        assertEquals(400, r.status(), r::toString);
        assertTrue(r.body().path("error").asText().contains("dot segment"), r::toString);
        Http.Response put = Http.sendRaw("DELETE", cluster.address(1), "/data/./k");
        assertEquals(400, put.status(), put::toString);
    }

    private static String[] concat(String[] a, String[] b) {
        String[] all = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }
}
