package kvstore.node.control;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import kvstore.core.Ballot;
import kvstore.core.CatchUpProgress;
import kvstore.core.NodeState;
import kvstore.core.View;

import java.util.ArrayList;
import java.util.List;

/**
 * The documents a controller and a node exchange over HTTP ({@code GET /view/state}, {@code POST /view/prepare},
 * {@code POST /view/accept}; docs/api.md): views by node id (the addresses travel in the {@code PUT /view}
 * document that installs a decided view), ballots, and a node's state. Malformed input is an
 * {@link IllegalArgumentException} naming the problem.
 */
public final class ControllerJson {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final long MAX_NUMBER = View.MAX_NUMBER; // JSON's safe integers, as for epochs
    private static final java.util.Set<String> VIEW_FIELDS = java.util.Set.of("number", "primary", "backups",
            "primaryIncarnation", "basis");

    private ControllerJson() {
    }

    public static ObjectNode view(View v) {
        ObjectNode o = MAPPER.createObjectNode();
        o.put("number", v.number()).put("primary", v.primary());
        ArrayNode backups = o.putArray("backups");
        v.backups().forEach(backups::add);
        return o.put("primaryIncarnation", v.primaryIncarnation()).put("basis", v.basis());
    }

    public static View view(JsonNode o) {
        requireObject(o, "a view");
        o.fieldNames().forEachRemaining(f -> {
            if (!VIEW_FIELDS.contains(f)) {
                throw new IllegalArgumentException("unknown field '" + f + "' in a view");
            }
        });
        List<String> backups = new ArrayList<>();
        JsonNode list = o.get("backups");
        if (list == null || !list.isArray()) {
            throw new IllegalArgumentException("a view needs a 'backups' list");
        }
        for (JsonNode b : list) {
            String id = nodeId(b, "a backup");
            if (backups.contains(id)) {
                throw new IllegalArgumentException("backup " + id + " is listed twice in the view");
            }
            backups.add(id);
        }
        try {
            return new View(number(o, "number", 1), nodeId(o.get("primary"), "'primary'"), backups,
                    number(o, "primaryIncarnation", 0), number(o, "basis", 0));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("not a valid view: " + e.getMessage());
        }
    }

    public static ObjectNode ballot(Ballot b) {
        return MAPPER.createObjectNode().put("number", b.number()).put("controller", b.controller());
    }

    /** A ballot a controller sends (prepare, accept): it names that controller. */
    public static Ballot ballot(JsonNode o) {
        return ballot(o, false);
    }

    /**
     * A ballot as a node reports it: also the ballot an installed view counts as, which no controller owns
     * ({@code "controller": ""}; an operator's {@code PUT /view} gives one).
     */
    private static Ballot ballot(JsonNode o, boolean mayBeInstalledView) {
        requireObject(o, "a ballot");
        JsonNode controller = o.get("controller");
        boolean named = controller != null && controller.isTextual() && !controller.textValue().isEmpty()
                && controller.textValue().length() <= 200;
        boolean installed = mayBeInstalledView && controller != null && controller.isTextual()
                && controller.textValue().isEmpty();
        if (!named && !installed) {
            throw new IllegalArgumentException("a ballot needs 'controller', a name of 1 to 200 characters");
        }
        return new Ballot(number(o, "number", 1), controller.textValue());
    }

    public static ObjectNode state(NodeState s) {
        ObjectNode o = MAPPER.createObjectNode();
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

    private static void progress(ArrayNode into, List<CatchUpProgress> all) {
        for (CatchUpProgress p : all) {
            into.addObject().put("backup", p.backup()).put("full", p.full()).put("bytes", p.bytes())
                    .put("ticks", p.ticks());
        }
    }

    private static List<CatchUpProgress> progress(JsonNode list) {
        List<CatchUpProgress> all = new ArrayList<>();
        for (JsonNode p : list) {
            requireObject(p, "a backup catching up");
            all.add(new CatchUpProgress(nodeId(p.get("backup"), "a backup catching up"), flag(p, "full"),
                    number(p, "bytes", 0), number(p, "ticks", 0)));
        }
        return all;
    }

    public static NodeState state(JsonNode o) {
        requireObject(o, "a node's state");
        List<String> lagging = new ArrayList<>();
        o.path("laggingBackups").forEach(b -> lagging.add(nodeId(b, "a lagging backup")));
        return new NodeState(number(o, "incarnation", 1), optional(o, "view") ? view(o.get("view")) : null,
                flag(o, "synced"), number(o, "syncedView", 0), flag(o, "mayLead"), number(o, "applied", 0),
                flag(o, "voter"),
                optional(o, "promised") ? ballot(o.get("promised"), true) : null,
                optional(o, "accepted") ? view(o.get("accepted")) : null, flag(o, "fenced"), lagging,
                progress(o.path("catchingUp")), progress(o.path("caughtUp")), flag(o, "takingNewerState"));
    }

    private static boolean optional(JsonNode o, String field) {
        return o.hasNonNull(field);
    }

    private static boolean flag(JsonNode o, String field) {
        JsonNode f = o.get(field);
        if (f == null || !f.isBoolean()) {
            throw new IllegalArgumentException("'" + field + "' must be true or false");
        }
        return f.booleanValue();
    }

    private static long number(JsonNode o, String field, long least) {
        JsonNode n = o.get(field);
        if (n == null || !n.isIntegralNumber() || !n.canConvertToLong() || n.longValue() < least
                || n.longValue() > MAX_NUMBER) {
            throw new IllegalArgumentException("'" + field + "' must be an integer from " + least + " to "
                    + MAX_NUMBER + ", not " + n);
        }
        return n.longValue();
    }

    /** Node ids are positive integers, written as strings in the core ("1", "2", ...). */
    private static String nodeId(JsonNode n, String what) {
        if (n == null || !n.isTextual() || !kvstore.node.server.ViewDocument.isNodeId(n.textValue())) {
            throw new IllegalArgumentException(what + " must be a node id such as \"1\", not " + n);
        }
        return n.textValue();
    }

    private static void requireObject(JsonNode o, String what) {
        if (o == null || !o.isObject()) {
            throw new IllegalArgumentException(what + " must be a JSON object, not " + o);
        }
    }
}
