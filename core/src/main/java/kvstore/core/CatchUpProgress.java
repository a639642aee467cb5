package kvstore.core;

/**
 * As the primary reports it: a backup that is catching up and making progress (docs/protocol.md, "Catch-up"). A
 * controller leaves such a view alone, however long the transfer takes, for as long as progress continues.
 *
 * @param backup the backup
 * @param full   a full transfer (otherwise, by log suffix)
 * @param bytes  about how many bytes the backup has acknowledged so far
 * @param ticks  ticks since the catch-up began (bytes / ticks is its rate)
 */
public record CatchUpProgress(String backup, boolean full, long bytes, long ticks) {
}
