package kvstore.core;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The one codec of the core's messages: every kind round-trips, field for field, on generated messages; and bytes
 * that are not a valid batch, cut anywhere or changed, are refused with an {@link IllegalArgumentException},
 * never another exception and never a message the core must not see.
 */
class MessageCodecTest {
    private static final int MESSAGES = 3_000;

    @Test
    void everyKindOfMessageRoundTrips() {
        SplittableRandom random = new SplittableRandom(Long.getLong("seed", 7));
        Set<Integer> kinds = new HashSet<>();
        List<Message> batch = new ArrayList<>();
        for (int i = 0; i < MESSAGES; i++) {
            Message m = Messages.any(random);
            kinds.add(MessageCodec.typeOf(m));
            batch.add(m);
            assertEquals(List.of(m), MessageCodec.decode(MessageCodec.encode(List.of(m))), m.toString());
        }
        assertEquals(MessageCodec.decode(MessageCodec.encode(batch)), batch, "a whole batch too");
        assertEquals(28, kinds.size(), "every kind of message was generated: " + kinds);
    }

    @Test
    void aBatchCutAnywhereIsRefusedWhole() {
        byte[] bytes = MessageCodec.encode(Messages.batch(new SplittableRandom(11), 20));
        for (int length = 0; length < bytes.length; length++) {
            byte[] cut = Arrays.copyOf(bytes, length);
            assertThrows(IllegalArgumentException.class, () -> MessageCodec.decode(cut), "cut at " + length);
        }
    }

    @Test
    void changedBytesDecodeOrAreRefusedNeverAnythingElse() {
        SplittableRandom random = new SplittableRandom(13);
        byte[] bytes = MessageCodec.encode(Messages.batch(random, 20));
        for (int trial = 0; trial < 20_000; trial++) {
            byte[] changed = bytes.clone();
            for (int flips = 1 + random.nextInt(3); flips > 0; flips--) {
                changed[random.nextInt(changed.length)] = (byte) random.nextInt(256);
            }
            try {
                MessageCodec.decode(changed);
            } catch (IllegalArgumentException refused) {
                // as it should be, unless the change happened to keep the batch valid
            }
        }
    }

    @Test
    void whatTheCoreMustNotSeeDoesNotDecode() {
        assertRefused(new Message.ClientRequest(new RequestId("c", 1), new Command(Command.Kind.PUT, "k", null, null)),
                "PUT needs a value");
        assertRefused(new Message.ClientRequest(new RequestId("c", 1), new Command(Command.Kind.GET, null, null, null)),
                "GET needs a key");
        byte[] viewZero = MessageCodec.encode(List.of(new Message.PassOn(new View(1, "1", List.of()))));
        viewZero[2 + 4 + 7] = 0; // the view number's last byte: 1 becomes 0
        assertTrue(message(() -> MessageCodec.decode(viewZero)).contains("a view number is from 1"));
        byte[] unknown = MessageCodec.encode(List.of(new Message.FoundingQuery()));
        unknown[5] = 99;
        assertTrue(message(() -> MessageCodec.decode(unknown)).contains("unknown message type 99"));
        byte[] version = MessageCodec.encode(List.of());
        version[0] = (byte) (MessageCodec.VERSION - 1); // a node of the version before
        assertTrue(message(() -> MessageCodec.decode(version)).contains("format version "
                + (MessageCodec.VERSION - 1)));
        byte[] trailing = Arrays.copyOf(MessageCodec.encode(List.of()), 7);
        assertTrue(message(() -> MessageCodec.decode(trailing)).contains("2 bytes after the last message"));
        assertTrue(message(() -> MessageCodec.decode(MessageCodec.encode(List.of(new Message.Prepare(
                new Ballot(5, "")))))).contains("names its controller"), "only a node's report has a ballot of no one");
        assertTrue(message(() -> MessageCodec.decode(MessageCodec.encode(List.of(new Message.UnnumberedView("1",
                List.of("2", "2")))))).contains("listed twice"));
        byte[] huge = {MessageCodec.VERSION, 0x7f, (byte) 0xff, (byte) 0xff, (byte) 0xff};
        assertTrue(message(() -> MessageCodec.decode(huge)).contains("a count of 2147483647"),
                "a count the bytes cannot hold is refused before anything is allocated for it");
    }

    @Test
    void stringsAreUtf8AndNothingElse() {
        byte[] bytes = MessageCodec.encode(List.of(new Message.ClientRequest(new RequestId("c", 1),
                Command.put("k", "é"))));
        byte[] bad = bytes.clone();
        int at = indexOf(bad, "é".getBytes(StandardCharsets.UTF_8));
        bad[at + 1] = (byte) 0x41; // a lead byte followed by no continuation byte
        assertTrue(message(() -> MessageCodec.decode(bad)).contains("not UTF-8"));
        String surrogates = "\uD83D\uDE00 and a lone \uD800";
        Message lone = new Message.ClientRequest(new RequestId("c", 1), Command.put("k", surrogates));
        // Java's encoder writes a lone surrogate as '?', which is why the node refuses one at its edge (WriteBody):
        // replicas must not hold something else than the primary.
        Message back = MessageCodec.decode(MessageCodec.encode(List.of(lone))).getFirst();
        assertEquals("\uD83D\uDE00 and a lone ?", ((Message.ClientRequest) back).command().value());
    }

    /**
     * The simulator charges a link for a message by its estimated size ({@link Sizes}), a catch-up batch is budgeted
     * by it: the estimate stays within a factor of the bytes this codec really writes.
     */
    @Test
    void theSizeEstimateStaysNearTheEncodedSize() {
        SplittableRandom random = new SplittableRandom(17);
        for (int i = 0; i < MESSAGES; i++) {
            Message m = Messages.any(random);
            int real = MessageCodec.sizeOf(m);
            int estimate = Sizes.of(m);
            assertTrue(estimate >= real / 2 && estimate <= 3 * real + 128,
                    "estimated " + estimate + " bytes, encoded " + real + ": " + m);
        }
    }

    private static void assertRefused(Message m, String why) {
        byte[] bytes = MessageCodec.encode(List.of(m));
        assertTrue(message(() -> MessageCodec.decode(bytes)).contains(why), why);
    }

    private static String message(org.junit.jupiter.api.function.Executable decode) {
        return assertThrows(IllegalArgumentException.class, decode).getMessage();
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i <= haystack.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        throw new IllegalArgumentException("not found");
    }

    /** A generator of every kind of message, with the values the core sends (and some it never does). */
    static final class Messages {
        static List<Message> batch(SplittableRandom r, int size) {
            List<Message> batch = new ArrayList<>();
            for (int i = 0; i < size; i++) {
                batch.add(any(r));
            }
            return batch;
        }

        static Message any(SplittableRandom r) {
            return switch (r.nextInt(28)) {
                case 0 -> new Message.ClientRequest(id(r), command(r), r.nextBoolean());
                case 1 -> new Message.ClientReply(id(r), result(r));
                case 2 -> new Message.Replicate(r.nextLong(1, 99), r.nextLong(1, 9999), id(r), command(r),
                        r.nextLong(0, 99), r.nextLong(0, 1L << 40));
                case 3 -> new Message.Ack(r.nextLong(1, 99), r.nextLong(-1, 9999), r.nextLong(1, 1L << 40),
                        r.nextLong(0, 99), r.nextLong(0, 99), r.nextBoolean(), chains(r), r.nextLong(0, 9999));
                case 4 -> new Message.CatchUpAck(r.nextLong(1, 99), r.nextLong(1, 99), r.nextLong(1, 99),
                        r.nextInt(-1, 99), r.nextBoolean() ? null : chain(r), r.nextLong(0, 9999));
                case 5 -> new Message.StateRequest(r.nextLong(1, 99));
                case 6 -> new Message.StateOffer(r.nextLong(1, 99), r.nextLong(0, 9999), data(r), results(r),
                        chains(r));
                case 7 -> new Message.Heartbeat(r.nextLong(1, 99), r.nextLong(0, 99), r.nextLong(0, 1L << 40));
                case 8 -> new Message.Unreachable();
                case 9 -> catchUp(r);
                case 10 -> new Message.NewView(view(r), r.nextBoolean());
                case 11 -> new Message.UnnumberedView("p" + node(r), List.of(node(r) + "a", node(r) + "b"));
                case 12 -> new Message.PassOn(view(r));
                case 13 -> new Message.ViewReply(r.nextBoolean() ? null : view(r),
                        r.nextBoolean() ? null : text(r, 40));
                case 14 -> new Message.FoundingQuery();
                case 15 -> new Message.FoundingAnswer(r.nextLong(0, 99));
                case 16 -> new Message.Probe(r.nextLong());
                case 17 -> new Message.Status(r.nextLong(), state(r));
                case 18 -> new Message.Prepare(ballot(r));
                case 19 -> new Message.Promise(ballot(r), state(r));
                case 20 -> {
                    Ballot b = ballot(r);
                    yield new Message.Accept(b, view(r, b.number()), r.nextLong(0, 1L << 40));
                }
                case 21 -> new Message.Accepted(ballot(r), state(r));
                case 22 -> new Message.Logged(op(r));
                case 23 -> remembered(r);
                case 24 -> new Message.Snapshot(remembered(r), r.nextLong(0, 9999), data(r), results(r),
                        r.nextBoolean());
                case 25 -> new Message.SnapshotTaken(r.nextBoolean());
                case 26 -> new Message.Persisted(r.nextLong(0, 1L << 40));
                default -> new Message.Refused(ballot(r), state(r));
            };
        }

        static LoggedOp op(SplittableRandom r) {
            Command c = command(r);
            return new LoggedOp(r.nextLong(1, 9999), chain(r), id(r), c, c.isRead() ? null : result(r));
        }

        static Message.Remembered remembered(SplittableRandom r) {
            return new Message.Remembered(r.nextLong(0, 99), r.nextBoolean(), chains(r), r.nextBoolean(),
                    r.nextBoolean() ? null : ballot(r), r.nextBoolean() ? null : view(r));
        }

        static Message.CatchUp catchUp(SplittableRandom r) {
            List<LoggedOp> ops = new ArrayList<>();
            for (int i = r.nextInt(5); i > 0; i--) {
                ops.add(op(r));
            }
            return new Message.CatchUp(r.nextLong(1, 99), r.nextLong(1, 99), r.nextLong(1, 99), r.nextLong(1, 99),
                    r.nextInt(0, 99), r.nextLong(0, 9999), r.nextBoolean(), r.nextBoolean() ? null : chain(r), ops,
                    results(r), data(r), r.nextBoolean(), r.nextBoolean(), chains(r));
        }

        static String text(SplittableRandom r, int max) {
            String alphabet = "abcxyz019 -_é€\uD83D\uDE00";
            StringBuilder s = new StringBuilder();
            for (int i = r.nextInt(max + 1); i > 0; i--) {
                int at = r.nextInt(alphabet.length());
                s.append(Character.isHighSurrogate(alphabet.charAt(at)) ? alphabet.substring(at, at + 2)
                        : Character.isLowSurrogate(alphabet.charAt(at)) ? "!" : String.valueOf(alphabet.charAt(at)));
            }
            return s.toString();
        }

        static String node(SplittableRandom r) {
            return String.valueOf(r.nextInt(1, 6));
        }

        static RequestId id(SplittableRandom r) {
            return new RequestId("c" + r.nextInt(9), r.nextLong(1, 1L << 40));
        }

        static Command command(SplittableRandom r) {
            String key = text(r, 12);
            return switch (r.nextInt(5)) {
                case 0 -> Command.get(key);
                case 1 -> Command.put(key, text(r, 60));
                case 2 -> Command.delete(key);
                case 3 -> Command.cas(key, r.nextBoolean() ? null : text(r, 20), text(r, 20));
                default -> Command.getAll();
            };
        }

        static Result result(SplittableRandom r) {
            Result.Status status = Result.Status.values()[r.nextInt(Result.Status.values().length)];
            return new Result(status, r.nextBoolean() ? null : text(r, 30), r.nextInt(4) == 0 ? data(r) : null,
                    r.nextLong(-1, 9999), r.nextBoolean() ? null : text(r, 30));
        }

        static Map<String, String> data(SplittableRandom r) {
            Map<String, String> data = new TreeMap<>();
            for (int i = r.nextInt(6); i > 0; i--) {
                data.put(text(r, 10), text(r, 30));
            }
            return data;
        }

        static Map<RequestId, Result> results(SplittableRandom r) {
            Map<RequestId, Result> results = new LinkedHashMap<>();
            for (int i = r.nextInt(4); i > 0; i--) {
                results.put(id(r), result(r));
            }
            return results;
        }

        static ChainId chain(SplittableRandom r) {
            return new ChainId(node(r), r.nextLong(1, 1L << 40), r.nextLong(0, 99));
        }

        static List<ChainId> chains(SplittableRandom r) {
            List<ChainId> chains = new ArrayList<>();
            for (int i = r.nextInt(4); i > 0; i--) {
                chains.add(chain(r));
            }
            return chains;
        }

        static View view(SplittableRandom r) {
            return view(r, r.nextLong(1, 999));
        }

        static View view(SplittableRandom r, long number) {
            String primary = node(r);
            List<String> backups = new ArrayList<>();
            for (int i = r.nextInt(4); i > 0; i--) {
                String b = node(r) + "b";
                if (!backups.contains(b)) {
                    backups.add(b);
                }
            }
            return new View(number, primary, backups, r.nextLong(0, 1L << 40), r.nextLong(0, number));
        }

        static Ballot ballot(SplittableRandom r) {
            return new Ballot(r.nextLong(1, 999), "ctl-" + r.nextInt(99) + "#" + r.nextInt(9));
        }

        /** As a node reports its promise: also an installed view's, which names no controller. */
        static Ballot promised(SplittableRandom r) {
            return r.nextBoolean() ? new Ballot(r.nextLong(1, 999), "") : ballot(r);
        }

        static NodeState state(SplittableRandom r) {
            List<CatchUpProgress> progress = new ArrayList<>();
            for (int i = r.nextInt(3); i > 0; i--) {
                progress.add(new CatchUpProgress(node(r), r.nextBoolean(), r.nextLong(0, 1L << 30),
                        r.nextLong(0, 9999)));
            }
            return new NodeState(r.nextLong(1, 1L << 40), r.nextBoolean() ? null : view(r), r.nextBoolean(),
                    r.nextLong(0, 99), r.nextBoolean(), r.nextLong(-1, 9999), r.nextBoolean(),
                    r.nextBoolean() ? null : promised(r), r.nextBoolean() ? null : view(r), r.nextBoolean(),
                    List.of(node(r)), progress, List.copyOf(progress), r.nextBoolean());
        }
    }
}
