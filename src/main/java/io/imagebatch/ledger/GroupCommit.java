package io.imagebatch.ledger;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Group commit of one batch's small ledger writes made by concurrent threads (the submit step's taskIds, one per
 * create call in flight): each caller hands in its write and waits until it is committed, exactly as with a
 * transaction of its own, but the writes handed in while a commit is under way share the next transaction, so
 * that N threads cost one commit instead of N (README.md, Performance, "A million rows": with the crash-safe H2
 * settings every commit is a write to the database file). No caller returns before its write is committed, so a
 * process killed at any moment has lost nothing a caller was told is written (docs/design.md, "Exactly once").
 *
 * <p>The first caller that finds no commit under way leads: it takes every write waiting for the batch, runs them
 * in one transaction of its own ({@code REQUIRES_NEW}) after ONE fence check ({@link BatchRegistry#checkFence}),
 * and commits; then the next waiting caller leads. When the transaction fails (a lost lock, the database down),
 * every write in it fails with that exception, and nothing of them was written.
 */
final class GroupCommit {

    private final TaskLedger rows;
    private final Map<String, Queue> queues = new ConcurrentHashMap<>();

    /** @param rows the ledger whose transactions, fences and clock the writes use */
    GroupCommit(TaskLedger rows) {
        this.rows = rows;
    }

    /** One write handed in, and its outcome once its transaction ended. */
    private static final class Pending {
        final Supplier<Integer> work;
        boolean done;
        int changed;
        RuntimeException failure;

        Pending(Supplier<Integer> work) {
            this.work = work;
        }
    }

    /** The writes of one batch waiting for the next commit, and whether a commit is under way. */
    private static final class Queue {
        List<Pending> waiting = new ArrayList<>();
        boolean leading;
    }

    /**
     * Runs {@code work} in a fenced transaction shared with the writes other threads hand in for the same batch
     * meanwhile, and returns once that transaction committed. Waits uninterruptibly (the write may be committed
     * by another thread's transaction; an interrupt is kept for the caller).
     *
     * @param batchId the batch written (its fence is checked once per transaction)
     * @param work    the write: runs on the leading thread, inside the transaction; returns the rows it changed
     * @return what {@code work} returned
     * @throws LockLostException when this process lost the batch's lock; nothing was written
     * @throws RuntimeException  what {@code work} or the commit threw, for any write of the transaction; nothing
     *                           of the transaction was written
     */
    int write(String batchId, Supplier<Integer> work) {
        Queue queue = queues.computeIfAbsent(batchId, b -> new Queue());
        Pending mine = new Pending(work);
        boolean interrupted = false;
        synchronized (queue) {
            queue.waiting.add(mine);
        }
        try {
            while (true) {
                List<Pending> group;
                synchronized (queue) {
                    while (!mine.done && queue.leading) {
                        try {
                            queue.wait();
                        } catch (InterruptedException e) {
                            interrupted = true; // the write may be in the commit under way: wait for its outcome
                        }
                    }
                    if (mine.done) {
                        break;
                    }
                    queue.leading = true;
                    group = queue.waiting;
                    queue.waiting = new ArrayList<>();
                }
                try {
                    commit(batchId, group);
                } finally {
                    synchronized (queue) {
                        queue.leading = false;
                        queue.notifyAll();
                    }
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
        if (mine.failure != null) {
            throw mine.failure;
        }
        return mine.changed;
    }

    /** Runs the group's writes in one fenced transaction; records each write's outcome. */
    private void commit(String batchId, List<Pending> group) {
        int[] changed = new int[group.size()];
        RuntimeException failure = null;
        try {
            rows.write(() -> {
                rows.batches().checkFence(batchId);
                for (int i = 0; i < group.size(); i++) {
                    changed[i] = group.get(i).work.get();
                }
            });
        } catch (RuntimeException e) {
            failure = e;
        } catch (Error e) {
            failure = new IllegalStateException("the ledger write failed: " + e, e);
        }
        synchronized (queues.get(batchId)) {
            for (int i = 0; i < group.size(); i++) {
                Pending p = group.get(i);
                p.changed = failure == null ? changed[i] : 0;
                p.failure = failure;
                p.done = true;
            }
        }
    }
}
