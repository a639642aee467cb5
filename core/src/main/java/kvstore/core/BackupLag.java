package kvstore.core;

/**
 * As the primary sees it: how far one backup is behind, for an operator to watch (a node's metrics).
 *
 * @param backup       the backup
 * @param acknowledged the position it has acknowledged applying; negative while it waits for the state (or to
 *                     confirm a log it kept), when it has acknowledged nothing in this view
 * @param entries      operations the primary has applied that the backup has not acknowledged (all of them while
 *                     it waits for the state)
 * @param ticks        how long the oldest of them has waited (since it began to wait for the state, if it does)
 */
public record BackupLag(String backup, long acknowledged, long entries, long ticks) {
}
