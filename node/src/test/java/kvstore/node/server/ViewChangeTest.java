package kvstore.node.server;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** How a node numbers and accepts view documents, without any server. */
class ViewChangeTest {
    private static ViewDocument doc(Long epoch, long... ids) {
        List<ViewDocument.Member> members = java.util.Arrays.stream(ids)
                .mapToObj(id -> new ViewDocument.Member(id, "127.0.0.1:" + (9000 + id))).toList();
        return new ViewDocument(members, ids[0], epoch);
    }

    @Test
    void theFirstViewTakesItsEpochOrOne() {
        assertEquals(1L, ViewChange.decide(null, doc(null, 1, 2)).document().epoch());
        assertEquals(5L, ViewChange.decide(null, doc(5L, 1, 2)).document().epoch());
    }

    @Test
    void anEpochlessViewIsNumberedOnePastTheNodesOwnUnlessItIsTheSameView() {
        ViewDocument current = doc(4L, 1, 2, 3);
        ViewChange other = ViewChange.decide(current, doc(null, 1, 2));
        assertEquals(ViewChange.Kind.INSTALL, other.kind());
        assertEquals(5L, other.document().epoch());
        ViewChange same = ViewChange.decide(current, doc(null, 3, 2, 1));
        assertEquals(ViewChange.Kind.INSTALL, same.kind(), "listing order aside, primary 3 is another view");
        ViewChange reordered = ViewChange.decide(current, new ViewDocument(doc(null, 3, 2, 1).members(), 1, null));
        assertEquals(ViewChange.Kind.ALREADY_CURRENT, reordered.kind());
    }

    @Test
    void anExplicitEpochMustBeNewerOrTheSameView() {
        ViewDocument current = doc(4L, 1, 2);
        assertEquals(ViewChange.Kind.INSTALL, ViewChange.decide(current, doc(9L, 2)).kind());
        assertEquals(ViewChange.Kind.ALREADY_CURRENT, ViewChange.decide(current, doc(4L, 1, 2)).kind());
        assertEquals(ViewChange.Kind.STALE, ViewChange.decide(current, doc(4L, 1)).kind());
        assertEquals(ViewChange.Kind.STALE, ViewChange.decide(current, doc(3L, 1, 2)).kind());
    }

    @Test
    void aPassedOnViewOnlyRenumbersTheViewTheNodeHolds() {
        ViewDocument current = doc(4L, 2, 3);
        assertEquals(ViewChange.Kind.INSTALL, ViewChange.decidePassedOn(current, doc(7L, 2, 3)).kind());
        // A late pass-on of a view the operator has since replaced here: never installed, whatever its number.
        assertEquals(ViewChange.Kind.STALE, ViewChange.decidePassedOn(current, doc(9L, 1, 2, 3)).kind());
        assertEquals(ViewChange.Kind.STALE, ViewChange.decidePassedOn(null, doc(9L, 1, 2, 3)).kind());
        assertEquals(ViewChange.Kind.ALREADY_CURRENT, ViewChange.decidePassedOn(current, doc(3L, 2, 3)).kind());
    }
}
