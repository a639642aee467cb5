package kvstore.core.storage;

/**
 * What a node's own files cannot prove: a record whose checksum fails where a torn write cannot explain it, a
 * missing segment, an unreadable sector. A node that finds one does not serve from its files (it would serve a
 * state it cannot prove); it says which file and offset.
 */
public final class CorruptStorage extends RuntimeException {
    private final String file;
    private final long offset;

    public CorruptStorage(String file, long offset, String reason) {
        super(file + " at offset " + offset + ": " + reason);
        this.file = file;
        this.offset = offset;
    }

    public String file() {
        return file;
    }

    public long offset() {
        return offset;
    }
}
