package kvstore.core.storage;

/** A disk could not read or write: names the file and, where it is known, the offset (-1 otherwise). */
public final class DiskException extends RuntimeException {
    private final String file;
    private final long offset;

    public DiskException(String file, long offset, String message, Throwable cause) {
        super(file + (offset >= 0 ? " at offset " + offset : "") + ": " + message, cause);
        this.file = file;
        this.offset = offset;
    }

    public DiskException(String file, long offset, String message) {
        this(file, offset, message, null);
    }

    public String file() {
        return file;
    }

    public long offset() {
        return offset;
    }
}
