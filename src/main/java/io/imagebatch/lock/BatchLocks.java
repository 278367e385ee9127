package io.imagebatch.lock;

import io.imagebatch.FatalErrors;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.integration.jdbc.lock.DefaultLockRepository;
import org.springframework.integration.jdbc.lock.JdbcLockRegistry;
import org.springframework.integration.support.locks.DistributedLock;
import org.springframework.integration.util.UUIDConverter;
import org.springframework.stereotype.Component;

/**
 * Locks that hold across every process sharing the database ({@code INT_LOCK}, Spring Integration's
 * {@link JdbcLockRegistry}), so that one batch is never run by two executions at once, whether they were started
 * by {@code run}, {@code restart} or {@code serve}, in one process or several.
 *
 * <p>A lock is taken without waiting ({@link #tryLock}): a caller that does not get it skips its work and says
 * so. While held, a lock is renewed every third of its time to live ({@link LockProperties#ttl()}) by a
 * background thread; a process that dies without releasing its locks loses them when that time has passed. Keys
 * are free text ({@link #batchKey}, {@link #jobKey}); the database holds a UUID derived from each.
 *
 * <p>A lock is fenced: its expiry is judged on the database's clock ({@link DatabaseClockLockRepository}), and a
 * holder that cannot renew it in time loses it at once ({@link Held#onLost}): when the database answers that it
 * is not this process's any more (expired, or taken by another process), or when renewals have failed for two
 * thirds of the time to live (the database away: another process may take it soon after). Whoever holds a lost
 * lock must stop what it does under it; the ledger refuses its writes from then on
 * ({@code BatchRegistry#revokeFence}, README.md, Running nightly).
 */
@Component
public class BatchLocks implements DisposableBean {

    private static final Logger log = LoggerFactory.getLogger(BatchLocks.class);

    private final JdbcLockRegistry registry;
    private final DefaultLockRepository repository;
    private final Duration ttl;
    private final Map<String, Held> held = new ConcurrentHashMap<>();
    private final ScheduledExecutorService renewer;

    /**
     * @param registry   the JDBC lock registry
     * @param repository its lock table, renewed directly (the registry renews only from the holding thread,
     *                   which is busy running the batch)
     * @param properties the locks' time to live
     */
    public BatchLocks(JdbcLockRegistry registry, DefaultLockRepository repository, LockProperties properties) {
        this.registry = registry;
        this.repository = repository;
        this.ttl = properties.ttl();
        // an Error in the renewal ends the process (FatalErrors): a lock silently no longer renewed is worse
        this.renewer = Executors.newSingleThreadScheduledExecutor(FatalErrors.threads("imagebatch-lock-renewal"));
        long every = Math.max(1000, ttl.toMillis() / 3);
        renewer.scheduleWithFixedDelay(FatalErrors.guard(this::renewAll), every, every, TimeUnit.MILLISECONDS);
    }

    /** @return how long a lock outlives a process that died holding it */
    public Duration ttl() {
        return ttl;
    }

    /**
     * @param batchId a batch id
     * @return the key of the lock held while the batch runs
     */
    public static String batchKey(String batchId) {
        return "imagebatch:batch:" + batchId;
    }

    /**
     * @param jobName a job file's job name
     * @return the key of the lock {@code serve} holds while it runs one of the job's batches
     */
    public static String jobKey(String jobName) {
        return "imagebatch:job:" + jobName;
    }

    /**
     * Takes a lock if no one holds it (here or in another process), without waiting. The lock belongs to the
     * calling thread: release it ({@link Held#close()}) from the same thread, in a try-with-resources.
     *
     * @param key the lock's key, for example {@link #batchKey(String)}
     * @return the held lock, or empty when another execution holds it now
     * @throws org.springframework.dao.DataAccessException when the database cannot be reached
     */
    public Optional<Held> tryLock(String key) {
        return tryLock(key, Duration.ZERO);
    }

    /**
     * Takes a lock, waiting for it at most {@code wait}: long enough, at {@link #ttl()} or more, for the lock of
     * a process that died to expire. The lock belongs to the calling thread, as with {@link #tryLock(String)}.
     *
     * @param key  the lock's key
     * @param wait the longest wait
     * @return the held lock, or empty when another execution still held it at the end of the wait
     * @throws org.springframework.dao.DataAccessException when the database cannot be reached
     */
    public Optional<Held> tryLock(String key, Duration wait) {
        Objects.requireNonNull(key, "key");
        DistributedLock lock = registry.obtain(key);
        boolean acquired;
        try {
            acquired = lock.tryLock(wait, ttl);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
        if (!acquired) {
            return Optional.empty();
        }
        Held h = new Held(key, lock);
        held.put(key, h);
        return Optional.of(h);
    }

    /** Renews every held lock; one that cannot be renewed in time is lost ({@link Held#onLost}). */
    void renewAll() {
        for (Held h : held.values()) {
            String lost;
            try {
                if (repository.renew(UUIDConverter.getUUID(h.key).toString(), ttl)) {
                    h.renewedAt = System.nanoTime();
                    continue;
                }
                lost = "its time to live (" + ttl.toMillis() + " ms) passed on the database's clock before it"
                        + " could be renewed, or another process took it";
            } catch (RuntimeException e) {
                long since = System.nanoTime() - h.renewedAt;
                if (since < ttl.toNanos() * 2 / 3) {
                    // the database is away for a moment; the next renewal tries again before the lock expires
                    log.warn("Could not renew the lock {}: {}", h.key, e.getMessage());
                    continue;
                }
                lost = "it could not be renewed for " + since / 1_000_000 + " ms (" + e.getMessage()
                        + "), so another process may take it";
            }
            log.error("The lock {} was lost: {}", h.key, lost);
            h.lose("the lock " + h.key + " was lost: " + lost);
        }
    }

    /** Stops renewing; the lock repository deletes this context's remaining locks when it closes. */
    @Override
    public void destroy() {
        renewer.shutdownNow();
    }

    /** A lock this process holds; {@link #close()} releases it. */
    public final class Held implements AutoCloseable {

        private final String key;
        private final DistributedLock lock;
        /** System.nanoTime() of the last renewal (or the acquisition). */
        private volatile long renewedAt = System.nanoTime();
        private final java.util.List<java.util.function.Consumer<String>> lostListeners =
                new java.util.concurrent.CopyOnWriteArrayList<>();
        private volatile String lostReason;

        private Held(String key, DistributedLock lock) {
            this.key = key;
            this.lock = lock;
        }

        /**
         * Registers what to do when the lock is lost (see {@link BatchLocks}): called once, on the renewal
         * thread, with why (names the lock's key; never a secret); at once when the lock is lost already.
         *
         * @param listener stops the work done under the lock; should return quickly and not throw
         */
        public void onLost(java.util.function.Consumer<String> listener) {
            lostListeners.add(listener);
            String reason = lostReason;
            if (reason != null && lostListeners.remove(listener)) {
                listener.accept(reason);
            }
        }

        /** @return whether the lock was lost while held */
        public boolean lost() {
            return lostReason != null;
        }

        private void lose(String reason) {
            held.remove(key, this);
            lostReason = reason;
            for (java.util.function.Consumer<String> listener : lostListeners) {
                if (lostListeners.remove(listener)) {
                    try {
                        listener.accept(reason);
                    } catch (RuntimeException e) {
                        log.warn("Stopping the work under the lost lock {}: {}", key, e.getMessage());
                    }
                }
            }
        }

        /** @return the lock's key */
        public String key() {
            return key;
        }

        /** Releases the lock, from the thread that took it. Never throws: a lost lock is logged. */
        @Override
        public void close() {
            held.remove(key, this);
            try {
                lock.unlock();
            } catch (RuntimeException e) {
                log.warn("Releasing the lock {}: {}", key, e.getMessage());
            }
        }
    }
}
