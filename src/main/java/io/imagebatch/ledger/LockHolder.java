package io.imagebatch.ledger;

/**
 * Who took a batch's lock last ({@code IB_BATCH.LOCK_HOLDER}, {@code LOCK_SINCE}, {@code LOCK_GENERATION}),
 * written by {@link BatchRegistry#takeFence} each time a process takes it.
 *
 * @param process    the process, as {@code pid 1234 on host} (never a secret)
 * @param sinceMillis when it took the lock, epoch ms
 * @param generation the lock's generation (fencing token), one more at every acquisition
 */
public record LockHolder(String process, long sinceMillis, long generation) {
}
