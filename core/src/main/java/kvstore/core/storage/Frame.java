package kvstore.core.storage;

import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/**
 * How one record is laid out on disk, in log segments and snapshot files alike: a 16-byte header (payload length,
 * the record's log sequence number, CRC32C of both and of the payload) followed by the payload. The sequence number
 * in the header lets recovery tell a torn tail from a corrupt record: a valid record further on, with a later
 * number, proves the bad one was once complete.
 */
public final class Frame {
    public static final int HEADER = 16;
    /** A length field above this is not a record's (a corrupt header must not make recovery allocate it). */
    public static final int MAX_PAYLOAD = 64 * 1024 * 1024;

    private Frame() {
    }

    public static byte[] encode(long lsn, byte[] payload) {
        if (payload.length > MAX_PAYLOAD) {
            throw new IllegalArgumentException("a record of " + payload.length + " bytes, more than " + MAX_PAYLOAD);
        }
        ByteBuffer b = ByteBuffer.allocate(HEADER + payload.length);
        b.putInt(payload.length).putLong(lsn);
        b.putInt(crc(b.array(), payload));
        b.put(payload);
        return b.array();
    }

    /** What is found at an offset: a whole valid record, the end of the bytes, or bytes that are no record. */
    public sealed interface Read {
    }

    /** A valid record, and where the next one starts. */
    public record Valid(long lsn, byte[] payload, long next) implements Read {
    }

    /** The bytes end inside the header or the payload: what a write cut short by a crash leaves. */
    public record Cut() implements Read {
    }

    /** A header whose length is impossible or whose checksum fails. */
    public record Bad(String why) implements Read {
    }

    /**
     * Decodes the record at {@code at} of {@code bytes}, which hold a file's bytes from {@code base} on
     * ({@code next} of a valid record is a file offset).
     */
    public static Read decode(byte[] bytes, int at, long base) {
        if (bytes.length - at < HEADER) {
            return new Cut();
        }
        ByteBuffer b = ByteBuffer.wrap(bytes, at, HEADER);
        int length = b.getInt();
        long lsn = b.getLong();
        int crc = b.getInt();
        if (length < 0 || length > MAX_PAYLOAD) {
            return new Bad("a length of " + length + " bytes");
        }
        if (bytes.length - at - HEADER < length) {
            return new Cut();
        }
        byte[] payload = java.util.Arrays.copyOfRange(bytes, at + HEADER, at + HEADER + length);
        if (crc(java.util.Arrays.copyOfRange(bytes, at, at + 12), payload) != crc) {
            return new Bad("checksum mismatch");
        }
        return new Valid(lsn, payload, base + at + HEADER + length);
    }

    private static int crc(byte[] header, byte[] payload) {
        CRC32C c = new CRC32C();
        c.update(header, 0, 12);
        c.update(payload);
        return (int) c.getValue();
    }
}
