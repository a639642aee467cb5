package kvstore.node.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.net.URI;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The prototype's view document, {@code {"view": [{"address": "127.0.0.1:9001", "id": 1}, ...]}}, with the
 * optional {@code "primary": id} and {@code "epoch": n}. The primary is the member with the lowest id unless the
 * document names one. {@code epoch} is null when the operator left it out. A controller also states the
 * primary's incarnation and the view's basis (see {@link kvstore.core.View}); 0 and null when absent.
 */
public record ViewDocument(List<Member> members, long primary, Long epoch, long primaryIncarnation, Long basis) {

    public record Member(long id, String address) {
    }

    public ViewDocument {
        members = members.stream().sorted(Comparator.comparingLong(Member::id)).toList();
    }

    public ViewDocument(List<Member> members, long primary, Long epoch) {
        this(members, primary, epoch, 0, null);
    }

    /** The largest epoch (see {@link kvstore.core.View#MAX_NUMBER}). */
    static final long MAX_EPOCH = kvstore.core.View.MAX_NUMBER;

    /**
     * What a view document may hold: the view, and what GET /view adds about the node (role, synced, syncedEpoch,
     * incarnation), which a client may send back and which is ignored.
     */
    private static final Set<String> DOCUMENT_FIELDS = Set.of("view", "primary", "epoch", "primaryIncarnation",
            "basis", "role", "synced", "syncedEpoch", "incarnation", "voter", "fenced");

    public static ViewDocument parse(ObjectNode body) {
        Json.requireOnly(body, DOCUMENT_FIELDS, " in the view document");
        JsonNode list = body.get("view");
        if (list == null) {
            throw new ApiError(400, "the view document has no 'view' list");
        }
        if (!list.isArray()) {
            throw new ApiError(400, "'view' must be a list of {\"address\", \"id\"}, not " + Json.kind(list));
        }
        if (list.isEmpty()) {
            throw new ApiError(400, "'view' lists no node");
        }
        List<Member> members = new ArrayList<>();
        Set<Long> ids = new HashSet<>();
        Set<String> addresses = new HashSet<>();
        for (JsonNode entry : list) {
            Member m = member(entry);
            if (!ids.add(m.id())) {
                throw new ApiError(400, "node id " + m.id() + " is listed twice in the view");
            }
            if (!addresses.add(m.address())) {
                throw new ApiError(400, "address " + m.address() + " is listed twice in the view");
            }
            members.add(m);
        }
        long primary = ids.stream().mapToLong(Long::longValue).min().orElseThrow();
        if (body.has("primary")) {
            primary = nodeId(body.get("primary"), "'primary'");
            if (!ids.contains(primary)) {
                throw new ApiError(400, "the primary " + primary + " is not a member of the view");
            }
        }
        Long epoch = body.has("epoch") ? positive(body.get("epoch"), "'epoch'") : null;
        if (epoch != null && epoch > MAX_EPOCH) {
            throw new ApiError(400, "'epoch' must be at most " + MAX_EPOCH + " (so that the next one still fits)");
        }
        long primaryIncarnation = body.has("primaryIncarnation")
                ? positive(body.get("primaryIncarnation"), "'primaryIncarnation'") : 0;
        Long basis = null;
        if (body.has("basis")) {
            JsonNode b = body.get("basis");
            if (!b.isIntegralNumber() || !b.canConvertToLong() || b.longValue() < 0) {
                throw new ApiError(400, "'basis' must be a view number (0 or more), not " + b);
            }
            if (epoch == null || b.longValue() >= epoch) {
                throw new ApiError(400, "'basis' names an earlier view, so it needs an 'epoch' above it");
            }
            basis = b.longValue();
        }
        return new ViewDocument(members, primary, epoch, primaryIncarnation, basis);
    }

    /** The core's view: the epoch is its number (a document without one must be numbered first). */
    public kvstore.core.View toCoreView() {
        return new kvstore.core.View(epoch, String.valueOf(primary),
                backups().stream().map(String::valueOf).toList(), primaryIncarnation,
                basis != null ? basis : Math.max(0, epoch - 1));
    }

    private static Member member(JsonNode entry) {
        if (!entry.isObject()) {
            throw new ApiError(400, "each view entry must be an object {\"address\", \"id\"}, not "
                    + Json.kind(entry));
        }
        Json.requireOnly((ObjectNode) entry, Set.of("address", "id"), " in a view entry");
        JsonNode id = entry.get("id");
        JsonNode address = entry.get("address");
        if (id == null || address == null) {
            throw new ApiError(400, "each view entry needs an 'address' and an 'id'");
        }
        if (!address.isTextual()) {
            throw new ApiError(400, "'address' must be a string \"host:port\", not " + Json.kind(address));
        }
        return new Member(nodeId(id, "'id'"), checkAddress(address.textValue()));
    }

    private static String checkAddress(String address) {
        if (!isAddress(address)) {
            throw new ApiError(400, "'" + address + "' is not an address of the form host:port");
        }
        return address;
    }

    /** Whether {@code address} is host:port and nothing else (no user info, path or query): what views may name. */
    public static boolean isAddress(String address) {
        try {
            URI uri = new URI("http://" + address);
            return uri.getHost() != null && uri.getPort() > 0 && uri.getPort() <= 65535
                    && uri.getRawPath().isEmpty() && uri.getRawQuery() == null && uri.getRawUserInfo() == null;
        } catch (java.net.URISyntaxException e) {
            return false;
        }
    }

    /**
     * A node id: an integer from 0 (the prototype's graders number their nodes from 0, as NODE_IDENTIFIER does) to
     * 18 digits, so that it also reads back exactly as the core's string id.
     */
    private static long nodeId(JsonNode n, String what) {
        if (!n.isIntegralNumber() || !n.canConvertToLong() || !isNodeId(String.valueOf(n.longValue()))) {
            throw new ApiError(400, what + " must be a node id, an integer from 0 to 999999999999999999, not " + n);
        }
        return n.longValue();
    }

    private static final java.util.regex.Pattern NODE_ID = java.util.regex.Pattern.compile("0|[1-9][0-9]{0,17}");

    /** Whether {@code id} is a node id as the core writes it: "0", "1", ... (no sign, no leading zero). */
    public static boolean isNodeId(String id) {
        return NODE_ID.matcher(id).matches();
    }

    private static long positive(JsonNode n, String what) {
        if (!n.isIntegralNumber() || !n.canConvertToLong() || n.longValue() <= 0) {
            throw new ApiError(400, what + " must be a positive integer, not " + n);
        }
        return n.longValue();
    }

    public ViewDocument withEpoch(long e) {
        return new ViewDocument(members, primary, e, primaryIncarnation, basis);
    }

    /**
     * Same members at the same addresses and the same primary (the epoch aside), and, for a controller's view, the
     * same primary incarnation and basis: a controller's view must never pass for an operator's that merely looks
     * alike.
     */
    public boolean sameViewAs(ViewDocument other) {
        return other != null && primary == other.primary && members.equals(other.members)
                && primaryIncarnation == other.primaryIncarnation && java.util.Objects.equals(basis, other.basis);
    }

    public boolean isMember(long id) {
        return members.stream().anyMatch(m -> m.id() == id);
    }

    public List<Long> backups() {
        return members.stream().map(Member::id).filter(i -> i != primary).toList();
    }

    public Map<Long, String> addresses() {
        Map<Long, String> byId = new TreeMap<>();
        members.forEach(m -> byId.put(m.id(), m.address()));
        return byId;
    }

    public ObjectNode toJson() {
        ObjectNode o = Json.object();
        ArrayNode list = o.putArray("view");
        for (Member m : members) {
            list.addObject().put("address", m.address()).put("id", m.id());
        }
        o.put("primary", primary);
        if (epoch != null) {
            o.put("epoch", epoch);
        }
        if (primaryIncarnation != 0) {
            o.put("primaryIncarnation", primaryIncarnation);
        }
        if (basis != null) {
            o.put("basis", basis);
        }
        return o;
    }
}
