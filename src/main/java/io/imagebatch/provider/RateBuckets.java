package io.imagebatch.provider;

import io.imagebatch.spend.DailyBudgets;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.ConnectionCallback;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.stereotype.Component;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Each provider key's request budget shared by every process on the database (README, "Finding a provider's rate
 * limit"): one token bucket per key in {@code IB_RATE_BUCKET} ({@code db/ledger-schema.sql}), refilled at the key's
 * current rate on the database's clock ({@code CURRENT_TIMESTAMP}, as the batch locks judge expiry: the processes'
 * own clocks may differ), from which each process's {@link ProviderThrottle} leases a few permits at a time.
 *
 * <p>A lease is one short transaction on the key's row ({@code SELECT ... FOR UPDATE}, then an update): it refills
 * the tokens for the time since the last refill (at most {@value #CAPACITY_LEASES} leases' worth, so processes that
 * were idle do not burst; at most one lease may be granted ahead of the tokens, usable once they have come), settles
 * the rate (a rate a process lowered after a 429 lowers everybody's; a rate a
 * process raised replaces the shared one only if nobody changed it since that process saw it), and grants up to
 * {@value #LEASE_MILLIS} ms of the rate (at least 1 permit), or says how long to wait. So a process makes at most
 * about ten leases a second, whatever its rate, and the database sees no round trip per request. A row unused for
 * {@value #STALE_MILLIS} ms is stale: the next lease starts it afresh at that process's rate (yesterday's
 * 429-lowered rate is not today's; the learned rate of {@link LearnedRates} is what a run starts at).
 *
 * <p>Why not Bucket4j's PostgreSQL backend ({@code bucket4j_jdk17-postgresql}): it has no H2 backend (the default
 * database), and it refills on each client's clock. The key is never stored: only its fingerprint
 * ({@link DailyBudgets#fingerprint}).
 *
 * <p>Every statement runs on this class's own thread, outside any transaction of the caller (a throttle leases in
 * the middle of a chunk's transaction, which must not hold the row's lock until it commits); a lease waits at most
 * {@value #LEASE_TIMEOUT_MILLIS} ms for it. A database that cannot be reached in that time (down, or no connection
 * free) yields no lease: the throttle then paces alone ({@link ProviderThrottle}). On a database other than H2 each
 * statement also carries a query timeout of {@value #LEASE_TIMEOUT_MILLIS} ms, so that this class's thread is not
 * held by a server that stopped answering; on H2 none (see {@code Database}).
 */
@Component
public class RateBuckets implements DisposableBean {

    /** A lease grants at most this much of the rate, ms (at least 1 permit). */
    public static final long LEASE_MILLIS = 100;
    /** The bucket holds at most this many leases' worth of tokens. */
    public static final int CAPACITY_LEASES = 2;
    /** A row not refilled for this long, ms, is started afresh by the next lease. */
    public static final long STALE_MILLIS = 60_000;
    /** The longest wait for a lease, ms; past it the throttle paces alone. */
    public static final long LEASE_TIMEOUT_MILLIS = 2_000;

    private static final Logger log = LoggerFactory.getLogger(RateBuckets.class);
    private static final String SELECT = "SELECT TOKENS, REFILLED_AT, RATE, CURRENT_TIMESTAMP FROM IB_RATE_BUCKET"
            + " WHERE PROVIDER = ? AND KEY_FINGERPRINT = ? FOR UPDATE";
    private static final String UPDATE = "UPDATE IB_RATE_BUCKET SET TOKENS = ?, REFILLED_AT = ?, RATE = ?"
            + " WHERE PROVIDER = ? AND KEY_FINGERPRINT = ?";
    private static final String INSERT = "INSERT INTO IB_RATE_BUCKET (PROVIDER, KEY_FINGERPRINT, TOKENS, REFILLED_AT,"
            + " RATE) VALUES (?, ?, ?, ?, ?)";

    private final ObjectProvider<DataSource> dataSource;
    private final AtomicReference<Database> database = new AtomicReference<>();
    private final AtomicLong leases = new AtomicLong();
    private final ExecutorService worker = Executors.newSingleThreadExecutor(
            io.imagebatch.FatalErrors.threads("rate-buckets"));

    /** @param dataSource the ledger's database; none (a command without one) shares nothing */
    public RateBuckets(ObjectProvider<DataSource> dataSource) {
        this.dataSource = dataSource;
    }

    /**
     * @param provider the provider's name, e.g. {@code liangxin}
     * @param apiKey   its API key (only its fingerprint is used); null or blank for none
     * @return the key's shared budget; {@link SharedBudget#NONE} when this context has no database
     */
    public SharedBudget forKey(String provider, String apiKey) {
        if (dataSource.getIfAvailable() == null) {
            return SharedBudget.NONE;
        }
        return new KeyBudget(provider, DailyBudgets.fingerprint(apiKey));
    }

    /** @return the leases this process made (transactions on {@code IB_RATE_BUCKET}, all keys), since it started */
    public long leaseCount() {
        return leases.get();
    }

    /**
     * Waits until every {@link SharedBudget#hold} asked before has been tried, for tests.
     *
     * @param timeoutMs the longest wait, ms
     * @return true when they have, false on timeout or interruption
     */
    public boolean flush(long timeoutMs) {
        try {
            worker.submit(() -> { }).get(timeoutMs, TimeUnit.MILLISECONDS);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (Exception e) {
            return false;
        }
    }

    /** Lets the holds asked before finish (at most 2,000 ms), then stops the thread. */
    @Override
    public void destroy() {
        flush(2_000);
        worker.shutdownNow();
    }

    /** One key's budget: its row, reached on this class's thread. */
    private final class KeyBudget implements SharedBudget {

        private final String provider;
        private final String fingerprint;
        /**
         * The last lease asked for: while it is not done (a slow database; its caller gave up waiting), a new one is
         * not queued behind it, and the caller paces alone.
         */
        private volatile Future<?> pending;

        KeyBudget(String provider, String fingerprint) {
            this.provider = provider;
            this.fingerprint = fingerprint;
        }

        @Override
        public Optional<Lease> lease(int wanted, double proposedRate, double knownRate) {
            try {
                return leaseLater(wanted, proposedRate, knownRate).get(LEASE_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return Optional.empty();
            } catch (Exception e) {
                log.debug("{}: no lease from the shared rate budget in time", provider, e);
                return Optional.empty();
            }
        }

        @Override
        public CompletableFuture<Optional<Lease>> leaseLater(int wanted, double proposedRate, double knownRate) {
            Future<?> before = pending;
            if (before != null && !before.isDone()) {
                return CompletableFuture.completedFuture(Optional.empty());
            }
            CompletableFuture<Optional<Lease>> result = new CompletableFuture<>();
            pending = result; // done when its outcome is known, before the task returns
            try {
                worker.execute(() -> {
                    try {
                        Lease granted = database().lease(provider, fingerprint, wanted, proposedRate, knownRate);
                        leases.incrementAndGet();
                        result.complete(Optional.of(granted));
                    } catch (RuntimeException e) {
                        log.debug("{}: no lease from the shared rate budget", provider, e);
                        result.complete(Optional.empty());
                    }
                });
            } catch (RuntimeException rejected) {
                result.complete(Optional.empty()); // shutting down
            }
            return result;
        }

        @Override
        public void hold(double lowerTo, Duration pause) {
            long pauseMicros = pause == null || pause.isNegative() ? 0 : pause.toNanos() / 1_000;
            try {
                worker.execute(() -> {
                    try {
                        database().hold(provider, fingerprint, lowerTo, pauseMicros);
                    } catch (RuntimeException e) {
                        log.debug("{}: the shared rate budget could not be held", provider, e);
                    }
                });
            } catch (RuntimeException rejected) {
                log.debug("{}: the shared rate budget was not held: shutting down", provider);
            }
        }

        @Override
        public boolean isShared() {
            return true;
        }
    }

    private Database database() {
        Database current = database.get();
        if (current == null) {
            DataSource source = dataSource.getIfAvailable();
            if (source == null) {
                throw new IllegalStateException("no database");
            }
            database.compareAndSet(null, new Database(source));
            current = database.get();
        }
        return current;
    }

    /**
     * The statements on {@code IB_RATE_BUCKET}, each lease or hold in a transaction of its own.
     *
     * <p>Their query timeout ({@value #LEASE_TIMEOUT_MILLIS} ms) is set only when the database is not H2. H2 keeps a
     * statement's query timeout as its whole session's ({@code SET QUERY_TIMEOUT}), so a pooled connection would
     * carry it to every later statement of whoever took it next (the report step's read of a million rows was
     * cancelled after 2 s), and clearing it again cost one more round trip per lease. The default H2 database is an
     * embedded file: it cannot be unreachable, and the caller bounds its own wait for a lease anyway
     * ({@link SharedBudget#lease}). On PostgreSQL the timeout is the statement's alone. Whether the database is H2 is
     * read once, from its {@link java.sql.DatabaseMetaData#getDatabaseProductName product name}.
     */
    private static final class Database {

        private final JdbcTemplate jdbc;
        private final TransactionTemplate transactions;

        /**
         * @throws org.springframework.dao.DataAccessException when the database cannot be reached for its product
         *                                                     name (the next lease tries again)
         */
        Database(DataSource source) {
            this.jdbc = new JdbcTemplate(source);
            String product = jdbc.execute((ConnectionCallback<String>) c -> c.getMetaData().getDatabaseProductName());
            if (!"H2".equalsIgnoreCase(product)) {
                this.jdbc.setQueryTimeout((int) TimeUnit.MILLISECONDS.toSeconds(LEASE_TIMEOUT_MILLIS));
            }
            this.transactions = new TransactionTemplate(new DataSourceTransactionManager(source));
            this.transactions.setPropagationBehavior(TransactionDefinition.PROPAGATION_REQUIRES_NEW);
            this.transactions.setIsolationLevel(TransactionDefinition.ISOLATION_READ_COMMITTED);
        }

        SharedBudget.Lease lease(String provider, String fingerprint, int wanted, double proposed, double known) {
            return retryingARacedInsert(() -> transactions.execute(tx -> {
                Locked locked = select(provider, fingerprint);
                Taken taken = take(locked.bucket(), locked.nowMicros(), wanted, proposed, known);
                write(provider, fingerprint, locked.bucket() == null, taken.after());
                return taken.lease();
            }));
        }

        void hold(String provider, String fingerprint, double lowerTo, long pauseMicros) {
            retryingARacedInsert(() -> transactions.execute(tx -> {
                Locked locked = select(provider, fingerprint);
                Bucket after = held(locked.bucket(), locked.nowMicros(), lowerTo, pauseMicros);
                if (after != null) {
                    write(provider, fingerprint, locked.bucket() == null, after);
                }
                return null;
            }));
        }

        private static <T> T retryingARacedInsert(java.util.function.Supplier<T> transaction) {
            try {
                return transaction.get();
            } catch (DuplicateKeyException raced) {
                return transaction.get(); // another process made the row at the same moment: it is there now
            }
        }

        private Locked select(String provider, String fingerprint) {
            Locked locked = jdbc.query(SELECT, rs -> rs.next()
                    ? new Locked(new Bucket(rs.getDouble(1), rs.getLong(2), rs.getDouble(3)),
                            micros(rs.getObject(4, OffsetDateTime.class)))
                    : null, provider, fingerprint);
            if (locked != null) {
                return locked;
            }
            return new Locked(null, micros(jdbc.queryForObject("SELECT CURRENT_TIMESTAMP", OffsetDateTime.class)));
        }

        private void write(String provider, String fingerprint, boolean insert, Bucket after) {
            if (insert) {
                jdbc.update(INSERT, provider, fingerprint, after.tokens(), after.refilledAtMicros(), after.rate());
            } else {
                jdbc.update(UPDATE, after.tokens(), after.refilledAtMicros(), after.rate(), provider, fingerprint);
            }
        }

        private static long micros(OffsetDateTime time) {
            Instant instant = time.toInstant();
            return Math.addExact(Math.multiplyExact(instant.getEpochSecond(), 1_000_000L), instant.getNano() / 1_000);
        }
    }

    /**
     * A key's row, locked, with the database's time of the lock.
     *
     * @param bucket    the row, null when there is none yet
     * @param nowMicros the database's {@code CURRENT_TIMESTAMP}, epoch microseconds
     */
    private record Locked(Bucket bucket, long nowMicros) {
    }

    /**
     * A line of {@code IB_RATE_BUCKET}.
     *
     * @param tokens           requests that may be sent at {@code refilledAtMicros}; negative (at most one lease) when
     *                         permits were granted ahead of the refill
     * @param refilledAtMicros when the tokens were counted, epoch microseconds of the database's clock; in the
     *                         future while a pause holds every process
     * @param rate             the key's shared rate, requests a second, positive
     */
    record Bucket(double tokens, long refilledAtMicros, double rate) {

        /**
         * @param row       a row, or null when there is none
         * @param nowMicros the database's time, epoch microseconds
         * @return whether the row is missing or unused for {@value #STALE_MILLIS} ms: the next lease starts afresh
         */
        static boolean missingOrStale(Bucket row, long nowMicros) {
            return row == null || nowMicros - row.refilledAtMicros() > STALE_MILLIS * 1_000;
        }

        /**
         * @param nowMicros the database's time, epoch microseconds
         * @return this row with the tokens of the time since its refill added (at most its capacity) and its refill
         *         time now; unchanged while its refill time is later (a pause holds every process)
         */
        Bucket refilledTo(long nowMicros) {
            if (nowMicros <= refilledAtMicros) {
                return this;
            }
            return new Bucket(Math.min(capacity(rate), tokens + rate * (nowMicros - refilledAtMicros) / 1e6),
                    nowMicros, rate);
        }
    }

    /**
     * The outcome of a lease.
     *
     * @param after the row to write
     * @param lease what the caller gets
     */
    record Taken(Bucket after, SharedBudget.Lease lease) {
    }

    /**
     * @param rate requests a second, positive
     * @return the most permits one lease grants: {@value #LEASE_MILLIS} ms of the rate, at least 1
     */
    static int leaseSize(double rate) {
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE / 4, Math.floor(rate * LEASE_MILLIS / 1000.0)));
    }

    /**
     * @param rate requests a second, positive
     * @return the most tokens the bucket holds: {@value #CAPACITY_LEASES} leases
     */
    static double capacity(double rate) {
        return (double) CAPACITY_LEASES * leaseSize(rate);
    }

    /**
     * One lease on a key's row, on the database's clock (pure: the transaction reads and writes the row around it).
     *
     * @param row       the row, null when there is none yet
     * @param nowMicros the database's time, epoch microseconds
     * @param wanted    permits the caller can use now, at least 1
     * @param proposed  the caller's rate now, requests a second, positive
     * @param known     the shared rate the caller saw at its last lease, or NaN
     * @return the row to write and the lease
     */
    static Taken take(Bucket row, long nowMicros, int wanted, double proposed, double known) {
        double rate;
        double tokens;
        long refilled;
        if (Bucket.missingOrStale(row, nowMicros)) {
            rate = proposed;
            tokens = capacity(rate);
            refilled = nowMicros;
        } else {
            Bucket now = row.refilledTo(nowMicros);
            rate = now.rate();
            tokens = now.tokens();
            refilled = now.refilledAtMicros();
            if (!Double.isNaN(known) && proposed < known) {
                rate = Math.min(rate, proposed); // a decrease after a 429: everybody slows down
            } else if (!Double.isNaN(known) && proposed > known && Math.abs(rate - known) <= known * 1e-9) {
                rate = proposed; // an increase, from the rate everybody is at (else someone changed it meanwhile)
            }
            tokens = Math.min(tokens, capacity(rate));
        }
        if (refilled > nowMicros) {
            return new Taken(new Bucket(tokens, refilled, rate),
                    new SharedBudget.Lease(0, refilled - nowMicros, rate));
        }
        int size = leaseSize(rate);
        int want = Math.max(1, Math.min(wanted, size));
        if (tokens - want >= -size) {
            // granted, from the tokens there are and, at most one lease ahead, from those still to come: usable
            // once the bucket would have had them (a reservation, so a lease is never asked twice for nothing)
            double after = tokens - want;
            long usableIn = after >= 0 ? 0 : (long) Math.ceil(-after / rate * 1e6);
            return new Taken(new Bucket(after, refilled, rate), new SharedBudget.Lease(want, usableIn, rate));
        }
        long wait = Math.max(1, (long) Math.ceil((want - size - tokens) / rate * 1e6));
        return new Taken(new Bucket(tokens, refilled, rate), new SharedBudget.Lease(0, wait, rate));
    }

    /**
     * A 429 or "no request left" on a key's row (pure): refills, lowers the rate to {@code lowerTo} when that is
     * lower, and with a pause empties the bucket and moves its refill time to the end of the pause.
     *
     * @param row         the row, null when there is none yet
     * @param nowMicros   the database's time, epoch microseconds
     * @param lowerTo     the rate to lower to, requests a second; NaN or not positive for no change
     * @param pauseMicros the pause, microseconds, 0 or more
     * @return the row to write; null when there is no row and no rate to make one with
     */
    static Bucket held(Bucket row, long nowMicros, double lowerTo, long pauseMicros) {
        boolean lower = lowerTo > 0 && !Double.isInfinite(lowerTo);
        double rate;
        double tokens;
        long refilled;
        if (Bucket.missingOrStale(row, nowMicros)) {
            if (!lower) {
                return null;
            }
            rate = lowerTo;
            tokens = capacity(rate);
            refilled = nowMicros;
        } else {
            Bucket now = row.refilledTo(nowMicros);
            rate = now.rate();
            tokens = now.tokens();
            refilled = now.refilledAtMicros();
            if (lower) {
                rate = Math.min(rate, lowerTo);
                tokens = Math.min(tokens, capacity(rate));
            }
        }
        if (pauseMicros > 0) {
            tokens = 0;
            refilled = Math.max(refilled, nowMicros + pauseMicros);
        }
        return new Bucket(tokens, refilled, rate);
    }
}
