package kvstore.core;

import kvstore.core.Message.Accept;
import kvstore.core.Message.Accepted;
import kvstore.core.Message.Ack;
import kvstore.core.Message.CatchUp;
import kvstore.core.Message.CatchUpAck;
import kvstore.core.Message.ClientReply;
import kvstore.core.Message.ClientRequest;
import kvstore.core.Message.FoundingAnswer;
import kvstore.core.Message.FoundingQuery;
import kvstore.core.Message.Heartbeat;
import kvstore.core.Message.NewView;
import kvstore.core.Message.PassOn;
import kvstore.core.Message.Prepare;
import kvstore.core.Message.Probe;
import kvstore.core.Message.Promise;
import kvstore.core.Message.Refused;
import kvstore.core.Message.Replicate;
import kvstore.core.Message.StateOffer;
import kvstore.core.Message.StateRequest;
import kvstore.core.Message.Status;
import kvstore.core.Message.UnnumberedView;
import kvstore.core.Message.Unreachable;
import kvstore.core.Message.ViewReply;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * Every message of the core as bytes, one codec for all of them: what the Helidon host ships between nodes and
 * between a controller and the nodes. Binary and written field by field, so the format is visible here and the
 * core carries no annotations; the core depends on nothing to read or write it.
 *
 * <p>A batch is the format's version (one byte), the number of messages (int), then each message: its type (one
 * byte, {@link #typeOf}) and its fields in the order of the record's components. Numbers are big-endian (long: 8
 * bytes, int: 4, boolean: 1); a string is its length in UTF-8 bytes (int; -1 for null) and those bytes; a list or
 * map its size (int) and its elements; an optional record a presence byte first.
 *
 * <p>A batch that does not decode is rejected whole ({@link IllegalArgumentException} naming what is wrong, and
 * where): truncated, trailing bytes, an unknown type or enum value, a malformed string, a count beyond what the
 * bytes could hold, or a message the core must never see (a put without a value, a view number of 0).
 */
public final class MessageCodec {
    public static final byte VERSION = 2; // 2: results may be FULL, and a whole-store read's may come without the store
    /** The media type a transport labels a batch with. */
    public static final String MEDIA_TYPE = "application/x-kvstore-messages";

    private MessageCodec() {
    }

    public static byte[] encode(List<? extends Message> batch) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(64 * batch.size() + 8);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(VERSION);
            out.writeInt(batch.size());
            Writer writer = new Writer(out);
            for (Message m : batch) {
                writer.message(m);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a byte array does not fail
        }
        return bytes.toByteArray();
    }

    /** The encoded size of one message, as a batch of its own carries it (less the batch's five bytes). */
    public static int sizeOf(Message m) {
        return encode(List.of(m)).length - 5;
    }

    public static List<Message> decode(byte[] bytes) {
        Reader in = new Reader(ByteBuffer.wrap(bytes));
        try {
            byte version = in.buffer.get();
            if (version != VERSION) {
                throw new IllegalArgumentException("format version " + version + ", this node reads " + VERSION);
            }
            int count = in.count(1);
            List<Message> batch = new ArrayList<>(Math.min(count, 1024)); // grows with what really comes
            for (int i = 0; i < count; i++) {
                int at = in.buffer.position();
                try {
                    batch.add(in.message());
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("message " + (i + 1) + " of " + count + " (at byte " + at
                            + "): " + e.getMessage(), e);
                }
            }
            if (in.buffer.hasRemaining()) {
                throw new IllegalArgumentException(in.buffer.remaining() + " bytes after the last message");
            }
            return batch;
        } catch (BufferUnderflowException e) {
            throw new IllegalArgumentException("the batch ends in the middle of a message");
        }
    }

    /** The type byte of each kind of message. */
    static int typeOf(Message m) {
        return switch (m) {
            case ClientRequest r -> 1;
            case ClientReply r -> 2;
            case Replicate r -> 3;
            case Ack a -> 4;
            case CatchUpAck a -> 5;
            case StateRequest r -> 6;
            case StateOffer o -> 7;
            case Heartbeat h -> 8;
            case Unreachable u -> 9;
            case CatchUp c -> 10;
            case NewView v -> 11;
            case UnnumberedView u -> 12;
            case PassOn p -> 13;
            case ViewReply r -> 14;
            case FoundingQuery q -> 15;
            case FoundingAnswer a -> 16;
            case Probe p -> 17;
            case Status s -> 18;
            case Prepare p -> 19;
            case Promise p -> 20;
            case Accept a -> 21;
            case Accepted a -> 22;
            case Refused r -> 23;
            case Message.Logged l -> 24;
            case Message.Remembered r -> 25;
            case Message.Snapshot s -> 26;
            case Message.SnapshotTaken t -> 27;
            case Message.Persisted p -> 28;
        };
    }

    /** One part of a message, written to the stream. */
    @FunctionalInterface
    private interface Part<T> {
        void write(T value) throws IOException;
    }

    private record Writer(DataOutputStream out) {
        void message(Message m) throws IOException {
            out.writeByte(typeOf(m));
            switch (m) {
                case ClientRequest r -> {
                    id(r.id());
                    command(r.command());
                    out.writeBoolean(r.forwarded());
                }
                case ClientReply r -> {
                    id(r.id());
                    result(r.result());
                }
                case Replicate r -> {
                    longs(r.view(), r.seq());
                    id(r.id());
                    command(r.command());
                    longs(r.chainStart(), r.primaryIncarnation());
                }
                case Ack a -> {
                    longs(a.view(), a.seq(), a.incarnation(), a.chainStart(), a.primaryIncarnation());
                    out.writeBoolean(a.keptLog());
                    list(a.lineage(), this::chain);
                    out.writeLong(a.held());
                }
                case CatchUpAck a -> {
                    longs(a.view(), a.incarnation(), a.transfer());
                    out.writeInt(a.batch());
                    optional(a.heldChain(), this::chain);
                    out.writeLong(a.held());
                }
                case StateRequest r -> out.writeLong(r.view());
                case StateOffer o -> {
                    longs(o.view(), o.seq());
                    data(o.data());
                    results(o.done());
                    list(o.lineage(), this::chain);
                }
                case Heartbeat h -> longs(h.view(), h.chainStart(), h.primaryIncarnation());
                case Unreachable u -> { }
                case CatchUp c -> {
                    longs(c.view(), c.incarnation(), c.primaryIncarnation(), c.transfer());
                    out.writeInt(c.batch());
                    out.writeLong(c.from());
                    out.writeBoolean(c.full());
                    optional(c.expect(), this::chain);
                    list(c.ops(), this::op);
                    results(c.results());
                    data(c.data());
                    out.writeBoolean(c.dataDone());
                    out.writeBoolean(c.complete());
                    list(c.lineage(), this::chain);
                }
                case NewView v -> {
                    view(v.view());
                    out.writeBoolean(v.decided());
                }
                case UnnumberedView u -> {
                    string(u.primary());
                    list(u.backups(), this::string);
                }
                case PassOn p -> view(p.view());
                case ViewReply r -> {
                    optional(r.view(), this::view);
                    string(r.refusal());
                }
                case FoundingQuery q -> { }
                case FoundingAnswer a -> out.writeLong(a.syncedView());
                case Probe p -> out.writeLong(p.sentAt());
                case Status s -> {
                    out.writeLong(s.sentAt());
                    state(s.state());
                }
                case Prepare p -> ballot(p.ballot());
                case Promise p -> {
                    ballot(p.ballot());
                    state(p.state());
                }
                case Accept a -> {
                    ballot(a.ballot());
                    view(a.view());
                    out.writeLong(a.restoreIncarnation());
                }
                case Accepted a -> {
                    ballot(a.ballot());
                    state(a.state());
                }
                case Refused r -> {
                    ballot(r.ballot());
                    state(r.state());
                }
                case Message.Logged l -> op(l.op());
                case Message.Remembered r -> remembered(r);
                case Message.Snapshot s -> {
                    remembered(s.remembered());
                    out.writeLong(s.applied());
                    data(s.data());
                    results(s.done());
                    out.writeBoolean(s.replaced());
                }
                case Message.SnapshotTaken t -> out.writeBoolean(t.replaced());
                case Message.Persisted p -> out.writeLong(p.upTo());
            }
        }

        void remembered(Message.Remembered r) throws IOException {
            out.writeLong(r.syncedView());
            out.writeBoolean(r.founding());
            list(r.lineage(), this::chain);
            out.writeBoolean(r.voter());
            optional(r.promised(), this::ballot);
            optional(r.accepted(), this::view);
        }

        /** A presence flag, and the value if there is one. */
        <T> void optional(T value, Part<T> part) throws IOException {
            out.writeBoolean(value != null);
            if (value != null) {
                part.write(value);
            }
        }

        /** The number of items, and each item. */
        <T> void list(java.util.Collection<T> items, Part<T> part) throws IOException {
            out.writeInt(items.size());
            for (T item : items) {
                part.write(item);
            }
        }

        void longs(long... values) throws IOException {
            for (long v : values) {
                out.writeLong(v);
            }
        }

        void string(String s) throws IOException {
            if (s == null) {
                out.writeInt(-1);
                return;
            }
            byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
            out.writeInt(utf8.length);
            out.write(utf8);
        }

        void id(RequestId id) throws IOException {
            string(id.client());
            out.writeLong(id.number());
        }

        void command(Command c) throws IOException {
            out.writeByte(c.kind().ordinal());
            string(c.key());
            string(c.value());
            string(c.expected());
        }

        void result(Result r) throws IOException {
            out.writeByte(r.status().ordinal());
            string(r.value());
            optional(r.all(), this::data);
            out.writeLong(r.seq());
            string(r.detail());
        }

        void op(LoggedOp op) throws IOException {
            out.writeLong(op.seq());
            optional(op.chain(), this::chain);
            id(op.id());
            command(op.command());
            optional(op.result(), this::result);
        }

        void data(Map<String, String> data) throws IOException {
            list(data.entrySet(), e -> {
                string(e.getKey());
                string(e.getValue());
            });
        }

        void results(Map<RequestId, Result> results) throws IOException {
            list(results.entrySet(), e -> {
                id(e.getKey());
                result(e.getValue());
            });
        }

        void chain(ChainId c) throws IOException {
            string(c.primary());
            longs(c.incarnation(), c.start());
        }

        void view(View v) throws IOException {
            out.writeLong(v.number());
            string(v.primary());
            list(v.backups(), this::string);
            longs(v.primaryIncarnation(), v.basis());
        }

        void ballot(Ballot b) throws IOException {
            out.writeLong(b.number());
            string(b.controller());
        }

        void state(NodeState s) throws IOException {
            out.writeLong(s.incarnation());
            optional(s.view(), this::view);
            out.writeBoolean(s.synced());
            out.writeLong(s.syncedView());
            out.writeBoolean(s.mayLead());
            out.writeLong(s.applied());
            out.writeBoolean(s.voter());
            optional(s.promised(), this::ballot);
            optional(s.accepted(), this::view);
            out.writeBoolean(s.fenced());
            list(s.laggingBackups(), this::string);
            list(s.catchingUp(), this::progress);
            list(s.caughtUp(), this::progress);
            out.writeBoolean(s.takingNewerState());
        }

        void progress(CatchUpProgress p) throws IOException {
            string(p.backup());
            out.writeBoolean(p.full());
            longs(p.bytes(), p.ticks());
        }
    }

    private static final class Reader {
        final ByteBuffer buffer;
        final CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);

        Reader(ByteBuffer buffer) {
            this.buffer = buffer;
        }

        Message message() {
            int type = buffer.get();
            return switch (type) {
                case 1 -> new ClientRequest(id(), command(), bool());
                case 2 -> new ClientReply(id(), result());
                case 3 -> new Replicate(buffer.getLong(), buffer.getLong(), id(), command(), buffer.getLong(),
                        buffer.getLong());
                case 4 -> new Ack(buffer.getLong(), buffer.getLong(), buffer.getLong(), buffer.getLong(),
                        buffer.getLong(), bool(), chains(), buffer.getLong());
                case 5 -> new CatchUpAck(buffer.getLong(), buffer.getLong(), buffer.getLong(), buffer.getInt(),
                        chain(), buffer.getLong());
                case 6 -> new StateRequest(buffer.getLong());
                case 7 -> new StateOffer(buffer.getLong(), buffer.getLong(), data(), results(), chains());
                case 8 -> new Heartbeat(buffer.getLong(), buffer.getLong(), buffer.getLong());
                case 9 -> new Unreachable();
                case 10 -> catchUp();
                case 11 -> new NewView(view(), bool());
                case 12 -> unnumbered(requiredString("a view's primary"), list(4, () -> requiredString("a backup")));
                case 13 -> new PassOn(view());
                case 14 -> new ViewReply(optional(this::view), string());
                case 15 -> new FoundingQuery();
                case 16 -> new FoundingAnswer(buffer.getLong());
                case 17 -> new Probe(buffer.getLong());
                case 18 -> new Status(buffer.getLong(), state());
                case 19 -> new Prepare(ballot());
                case 20 -> new Promise(ballot(), state());
                case 21 -> accept(ballot(), view(), buffer.getLong());
                case 22 -> new Accepted(ballot(), state());
                case 23 -> new Refused(ballot(), state());
                case 24 -> new Message.Logged(op());
                case 25 -> remembered();
                case 26 -> new Message.Snapshot(remembered(), buffer.getLong(), data(), results(), bool());
                case 27 -> new Message.SnapshotTaken(bool());
                case 28 -> new Message.Persisted(buffer.getLong());
                default -> throw new IllegalArgumentException("unknown message type " + type);
            };
        }

        CatchUp catchUp() {
            long view = buffer.getLong();
            long incarnation = buffer.getLong();
            long primaryIncarnation = buffer.getLong();
            long transfer = buffer.getLong();
            int batch = buffer.getInt();
            long from = buffer.getLong();
            boolean full = bool();
            ChainId expect = chain();
            List<LoggedOp> ops = list(8, this::op);
            Map<RequestId, Result> results = results();
            Map<String, String> data = data();
            return new CatchUp(view, incarnation, primaryIncarnation, transfer, batch, from, full, expect, ops,
                    results, data, bool(), bool(), chains());
        }

        LoggedOp op() {
            return new LoggedOp(buffer.getLong(), chain(), id(), command(), optional(this::result));
        }

        Message.Remembered remembered() {
            return new Message.Remembered(buffer.getLong(), bool(), chains(), bool(), optional(() -> ballot(true)),
                    optional(this::view));
        }

        boolean bool() {
            byte b = buffer.get();
            if (b != 0 && b != 1) {
                throw new IllegalArgumentException("a flag is 0 or 1, not " + b);
            }
            return b == 1;
        }

        /** A count of elements that take at least {@code minBytes} each: never more than the bytes left could hold. */
        int count(int minBytes) {
            int n = buffer.getInt();
            if (n < 0 || (long) n * minBytes > buffer.remaining()) {
                throw new IllegalArgumentException("a count of " + n + " with " + buffer.remaining()
                        + " bytes left");
            }
            return n;
        }

        String string() {
            int length = buffer.getInt();
            if (length == -1) {
                return null;
            }
            if (length < 0 || length > buffer.remaining()) {
                throw new IllegalArgumentException("a string of " + length + " bytes with " + buffer.remaining()
                        + " left");
            }
            ByteBuffer slice = buffer.slice(buffer.position(), length);
            buffer.position(buffer.position() + length);
            try {
                CharBuffer chars = utf8.decode(slice);
                return chars.toString();
            } catch (CharacterCodingException e) {
                throw new IllegalArgumentException("a string that is not UTF-8");
            }
        }

        String requiredString(String what) {
            String s = string();
            if (s == null) {
                throw new IllegalArgumentException(what + " is missing");
            }
            return s;
        }

        <T> List<T> list(int minBytes, Supplier<T> element) {
            int n = count(minBytes);
            List<T> list = new ArrayList<>(Math.min(n, 1024)); // grows with what really comes
            for (int i = 0; i < n; i++) {
                list.add(element.get());
            }
            return list;
        }

        <T> T optional(Supplier<T> value) {
            return bool() ? value.get() : null;
        }

        RequestId id() {
            return new RequestId(requiredString("a request's client"), buffer.getLong());
        }

        Command command() {
            Command.Kind kind = of(Command.Kind.values(), buffer.get(), "command kind");
            Command c = new Command(kind, string(), string(), string());
            // What each kind needs, checked here: a malformed command must not reach the core (a put without a value
            // would be stored, replicated, and break every later state transfer).
            if (kind != Command.Kind.GET_ALL && c.key() == null) {
                throw new IllegalArgumentException(kind + " needs a key");
            }
            if ((kind == Command.Kind.PUT || kind == Command.Kind.CAS) && c.value() == null) {
                throw new IllegalArgumentException(kind + " needs a value");
            }
            return c;
        }

        Result result() {
            Result.Status status = of(Result.Status.values(), buffer.get(), "result status");
            String value = string();
            Map<String, String> all = optional(this::data);
            return new Result(status, value, all, buffer.getLong(), string());
        }

        Map<String, String> data() {
            int n = count(8);
            Map<String, String> data = new TreeMap<>();
            for (int i = 0; i < n; i++) {
                data.put(requiredString("a key"), requiredString("a value"));
            }
            return data;
        }

        Map<RequestId, Result> results() {
            int n = count(12);
            Map<RequestId, Result> results = new HashMap<>();
            for (int i = 0; i < n; i++) {
                results.put(id(), result());
            }
            return results;
        }

        ChainId chain() {
            return optional(this::chainId);
        }

        ChainId chainId() {
            return new ChainId(requiredString("a chain's primary"), buffer.getLong(), buffer.getLong());
        }

        List<ChainId> chains() {
            return list(20, this::chainId);
        }

        View view() {
            long number = buffer.getLong();
            if (number < 1 || number > View.MAX_NUMBER) {
                throw new IllegalArgumentException("a view number is from 1 to " + View.MAX_NUMBER + ", not " + number);
            }
            String primary = requiredString("a view's primary");
            List<String> backups = list(4, () -> requiredString("a backup"));
            try {
                return new View(number, primary, backups, buffer.getLong(), buffer.getLong());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("not a valid view: " + e.getMessage());
            }
        }

        static UnnumberedView unnumbered(String primary, List<String> backups) {
            if (backups.contains(primary) || new java.util.HashSet<>(backups).size() != backups.size()) {
                throw new IllegalArgumentException("not a valid view: a node listed twice in " + primary + ", "
                        + backups);
            }
            return new UnnumberedView(primary, backups);
        }

        static Accept accept(Ballot ballot, View view, long restoreIncarnation) {
            try {
                return new Accept(ballot, view, restoreIncarnation);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("not a valid accept: " + e.getMessage());
            }
        }

        /** A controller's ballot (prepare, accept, an answer): it names that controller. */
        Ballot ballot() {
            return ballot(false);
        }

        /**
         * A ballot; as a node reports or remembers its promise ({@code mayBeInstalledView}), also the one an installed view counts
         * as, which no controller owns (an empty name): a controller may never send that one.
         */
        Ballot ballot(boolean mayBeInstalledView) {
            long number = buffer.getLong();
            String controller = requiredString("a ballot's controller");
            if (number > View.MAX_NUMBER) {
                throw new IllegalArgumentException("a ballot number is at most " + View.MAX_NUMBER);
            }
            if ((controller.isEmpty() && !mayBeInstalledView) || controller.length() > 200) {
                throw new IllegalArgumentException("a ballot names its controller in 1 to 200 characters");
            }
            try {
                return new Ballot(number, controller);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("not a valid ballot: " + e.getMessage());
            }
        }

        NodeState state() {
            return new NodeState(buffer.getLong(), optional(this::view), bool(), buffer.getLong(), bool(),
                    buffer.getLong(), bool(), optional(() -> ballot(true)), optional(this::view), bool(),
                    list(4, () -> requiredString("a backup")), progress(), progress(), bool());
        }

        List<CatchUpProgress> progress() {
            return list(21, () -> new CatchUpProgress(requiredString("a backup"), bool(), buffer.getLong(),
                    buffer.getLong()));
        }

        private static <E extends Enum<E>> E of(E[] values, int ordinal, String what) {
            if (ordinal < 0 || ordinal >= values.length) {
                throw new IllegalArgumentException("unknown " + what + " " + ordinal);
            }
            return values[ordinal];
        }
    }
}
