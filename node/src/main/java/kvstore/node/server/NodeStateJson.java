package kvstore.node.server;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import kvstore.core.Ballot;
import kvstore.core.CatchUpProgress;
import kvstore.core.NodeState;
import kvstore.core.View;

import java.util.List;

/**
 * {@code GET /view/state}'s document: what a node would tell a controller, for operators, tests and the Jepsen
 * harness to read (docs/api.md). Views name nodes by id; a ballot names its controller.
 */
final class NodeStateJson {
    private NodeStateJson() {
    }

    static ObjectNode state(NodeState s) {
        ObjectNode o = Json.object();
        o.put("incarnation", s.incarnation());
        o.set("view", s.view() == null ? null : view(s.view()));
        o.put("synced", s.synced()).put("syncedView", s.syncedView()).put("mayLead", s.mayLead())
                .put("applied", s.applied()).put("voter", s.voter());
        o.set("promised", s.promised() == null ? null : ballot(s.promised()));
        o.set("accepted", s.accepted() == null ? null : view(s.accepted()));
        o.put("fenced", s.fenced());
        ArrayNode lagging = o.putArray("laggingBackups");
        s.laggingBackups().forEach(lagging::add);
        progress(o.putArray("catchingUp"), s.catchingUp());
        progress(o.putArray("caughtUp"), s.caughtUp());
        o.put("takingNewerState", s.takingNewerState());
        return o;
    }

    private static ObjectNode view(View v) {
        ObjectNode o = Json.object();
        o.put("number", v.number()).put("primary", v.primary());
        ArrayNode backups = o.putArray("backups");
        v.backups().forEach(backups::add);
        return o.put("primaryIncarnation", v.primaryIncarnation()).put("basis", v.basis());
    }

    private static ObjectNode ballot(Ballot b) {
        return Json.object().put("number", b.number()).put("controller", b.controller());
    }

    private static void progress(ArrayNode into, List<CatchUpProgress> all) {
        for (CatchUpProgress p : all) {
            into.addObject().put("backup", p.backup()).put("full", p.full()).put("bytes", p.bytes())
                    .put("ticks", p.ticks());
        }
    }
}
