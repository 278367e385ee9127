package io.imagebatch.ledger;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.TransactionCallback;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Group commit of one batch's small ledger writes made by concurrent threads (the submit step's intents and
 * taskIds, one each per create call in flight): each caller hands in its write and waits until it is committed, exactly as with a
 * transaction of its own, but the writes handed in while a commit is under way share the next transaction, so
 * that N threads cost one commit instead of N (README.md, Performance, "A million rows": with the crash-safe H2
 * settings every commit is a write to the database file). No caller returns before its write is committed, so a
 * process killed at any moment has lost nothing a caller was told is written (docs/design.md, "Exactly once").
 *
 * <p>The first caller that finds no commit under way leads: it takes every write waiting for the batch, runs them
 * in one transaction of its own ({@code REQUIRES_NEW}) after ONE fence check ({@link BatchRegistry#checkFence}),
 * and commits; then the next waiting caller leads. Each write runs in a nested transaction (a savepoint) of
 * its own: a write that throws, or marks its status rollback-only, is undone alone and its caller gets its
 * outcome; the others are committed. When the transaction fails (a lost lock, the database down), every write in
 * it fails with that exception, and nothing of them was written.
 *
 * <p>When writes come densely (their mean gap under half of {@link #GATHER_NANOS}), the leader first waits up to
 * {@link #GATHER_NANOS} for more to join, as PostgreSQL's {@code commit_delay} does: without it the create calls of
 * a provider with no rate limit, each returning a millisecond after the last, mostly committed one write each, and
 * an H2 commit rewrites every page the transaction touched (README.md, "A million rows"). Writes that come
 * sparsely (a provider paced at its rate) are committed at once.
 */
final class GroupCommit {

    /**
     * The longest a leading write waits for others to join its commit, in ns (1 ms), when writes come densely:
     * short beside a create call, and long enough for the calls in flight to gather.
     */
    static final long GATHER_NANOS = 1_000_000;

    private final TaskLedger rows;
    /** Each write's savepoint inside the group's transaction. */
    private final TransactionTemplate nested;
    private final Map<String, Queue> queues = new ConcurrentHashMap<>();
    /** The time the writes' gaps and the gather are measured in, ns ({@link System#nanoTime}). */
    private final LongSupplier nanoTime;

    /**
     * @param rows               the ledger whose transactions ({@code REQUIRES_NEW}), fences and clock the writes use
     * @param transactionManager the ledger's transaction manager, for each write's savepoint
     */
    GroupCommit(TaskLedger rows, PlatformTransactionManager transactionManager) {
        this(rows, transactionManager, System::nanoTime);
    }

    /**
     * As {@link #GroupCommit(TaskLedger, PlatformTransactionManager)}, on a time source of the caller's (tests).
     *
     * @param rows               the ledger whose transactions ({@code REQUIRES_NEW}), fences and clock the writes use
     * @param transactionManager the ledger's transaction manager, for each write's savepoint
     * @param nanoTime           a monotonic time, ns, as {@link System#nanoTime}: the writes' arrivals (whether they
     *                           come densely) and the end of a leader's gather ({@link #GATHER_NANOS}) are read from it
     *                           (a gather waits, in real time, until it shows {@link #GATHER_NANOS} more)
     */
    GroupCommit(TaskLedger rows, PlatformTransactionManager transactionManager, LongSupplier nanoTime) {
        this.rows = rows;
        this.nested = new TransactionTemplate(transactionManager);
        this.nested.setPropagationBehavior(TransactionDefinition.PROPAGATION_NESTED);
        this.nanoTime = nanoTime;
    }

    /** One write handed in, and its outcome once its transaction ended. */
    private static final class Pending {
        final TransactionCallback<?> work;
        boolean done;
        Object result;
        RuntimeException failure;

        Pending(TransactionCallback<?> work) {
            this.work = work;
        }
    }

    /** The writes of one batch waiting for the next commit, and whether a commit is under way. */
    private static final class Queue {
        List<Pending> waiting = new ArrayList<>();
        boolean leading;
        /** When the last write came ({@link GroupCommit#nanoTime}), and the moving mean of the gaps, in ns. */
        long lastArrival;
        boolean anyArrival;
        long meanGap = 1_000_000_000L;

        /**
         * Records a write's arrival; called holding the queue's monitor.
         *
         * @param now the time now, ns ({@link GroupCommit#nanoTime})
         */
        void arrived(long now) {
            if (anyArrival) {
                // an exponential moving mean (1/8 per write), a gap counted at most a second
                meanGap += (Math.min(now - lastArrival, 1_000_000_000L) - meanGap) / 8;
            }
            lastArrival = now;
            anyArrival = true;
        }

        /** @return whether the leader should wait for more writes: they come densely */
        boolean dense() {
            return meanGap < GATHER_NANOS / 2;
        }
    }

    /**
     * Runs {@code work} in a fenced transaction shared with the writes other threads hand in for the same batch
     * meanwhile, and returns once that transaction committed. Waits uninterruptibly (the write may be committed
     * by another thread's transaction; an interrupt is kept for the caller).
     *
     * @param batchId the batch written (its fence is checked once per transaction)
     * @param work    the write: runs on the leading thread, inside the transaction, in a savepoint of its own
     *                (rolled back alone when it throws or calls {@code setRollbackOnly()} on its status)
     * @param <T>     what the write returns
     * @return what {@code work} returned (also when it rolled its savepoint back)
     * @throws LockLostException when this process lost the batch's lock; nothing was written
     * @throws RuntimeException  what {@code work} threw (only its own savepoint was rolled back), or what the
     *                           group's transaction threw (nothing of it was written)
     */
    @SuppressWarnings("unchecked")
    <T> T write(String batchId, TransactionCallback<T> work) {
        Queue queue = queues.computeIfAbsent(batchId, b -> new Queue());
        Pending mine = new Pending(work);
        boolean interrupted = false;
        synchronized (queue) {
            queue.waiting.add(mine);
            queue.arrived(nanoTime.getAsLong());
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
                    if (queue.dense()) {
                        interrupted |= gather(queue);
                    }
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
        return (T) mine.result;
    }

    /**
     * Waits up to {@link #GATHER_NANOS} for more writes to join the leader's group; called holding the queue's
     * monitor, which the wait gives up meanwhile (the writes that come meanwhile join {@code queue.waiting}).
     *
     * @return true when interrupted (the wait ended early; the interrupt is kept for the caller)
     */
    private boolean gather(Queue queue) {
        long until = nanoTime.getAsLong() + GATHER_NANOS;
        for (long left = GATHER_NANOS; left > 0; left = until - nanoTime.getAsLong()) {
            try {
                queue.wait(left / 1_000_000, (int) (left % 1_000_000));
            } catch (InterruptedException e) {
                return true;
            }
        }
        return false;
    }

    /** Runs the group's writes in one fenced transaction, each in its savepoint; records each write's outcome. */
    private void commit(String batchId, List<Pending> group) {
        Object[] results = new Object[group.size()];
        RuntimeException[] failures = new RuntimeException[group.size()];
        RuntimeException failure = null;
        try {
            rows.write(() -> {
                rows.batches().checkFence(batchId);
                for (int i = 0; i < group.size(); i++) {
                    TransactionCallback<?> work = group.get(i).work;
                    try {
                        results[i] = nested.execute(work::doInTransaction);
                    } catch (RuntimeException e) {
                        failures[i] = e; // its savepoint was rolled back; the others go on
                    }
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
                p.result = failure == null ? results[i] : null;
                p.failure = failure != null ? failure : failures[i];
                p.done = true;
            }
        }
    }
}
