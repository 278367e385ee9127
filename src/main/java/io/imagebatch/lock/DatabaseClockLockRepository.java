package io.imagebatch.lock;

import java.time.Duration;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.UUID;
import javax.sql.DataSource;
import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.integration.jdbc.lock.DefaultLockRepository;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Spring Integration's lock table ({@code INT_LOCK}), with every expiry judged on the database's clock: the
 * {@link DefaultLockRepository} it extends compares and sets {@code EXPIRED_AFTER} with each machine's own clock,
 * so a process whose clock runs ahead would take a lock that is still held (README.md, Running nightly: locks
 * are fenced, expiry is judged on the database's clock).
 *
 * <p>Times stay what the table has always held (UTC wall-clock {@code TIMESTAMP}s), now read from the
 * database's {@code CURRENT_TIMESTAMP} in the same transaction as the statement that uses them. A lock whose time
 * has passed can no longer be renewed ({@link #renew(String, Duration)} answers false), even when no other
 * process has taken it yet: its holder must stop, as another process may take it at any moment.
 *
 * <p>Queries that hold no time (release, the table check at start) are the parent's.
 */
public class DatabaseClockLockRepository extends DefaultLockRepository {

    private final JdbcTemplate jdbc;
    private final String clientId;
    private final String table;
    private String region = LockConfiguration.REGION;
    private TransactionTemplate writes;
    private TransactionTemplate reads;

    /**
     * @param dataSource the database of the lock table
     */
    public DatabaseClockLockRepository(DataSource dataSource) {
        this(dataSource, UUID.randomUUID().toString());
    }

    private DatabaseClockLockRepository(DataSource dataSource, String clientId) {
        super(dataSource, clientId);
        this.jdbc = new JdbcTemplate(dataSource);
        this.clientId = clientId;
        this.table = DEFAULT_TABLE_PREFIX + "LOCK";
    }

    @Override
    public void setRegion(String region) {
        super.setRegion(region);
        this.region = region;
    }

    @Override
    public void setTransactionManager(PlatformTransactionManager transactionManager) {
        super.setTransactionManager(transactionManager);
        this.writes = new TransactionTemplate(transactionManager);
        this.writes.setPropagationBehavior(TransactionDefinition.PROPAGATION_REQUIRES_NEW);
        this.writes.setIsolationLevel(TransactionDefinition.ISOLATION_READ_COMMITTED);
        this.reads = new TransactionTemplate(transactionManager);
        this.reads.setPropagationBehavior(TransactionDefinition.PROPAGATION_REQUIRES_NEW);
        this.reads.setReadOnly(true);
    }

    /** @return this client's id in {@code INT_LOCK.CLIENT_ID} (a random UUID per repository) */
    public String clientId() {
        return clientId;
    }

    /**
     * Takes the lock when it is free, expired (on the database's clock) or already this client's.
     *
     * @param lock the lock's key in the table (a UUID string)
     * @param ttl  how long it is held without renewal
     * @return true when this client holds it now, until the database's clock passes now + {@code ttl}
     */
    @Override
    public boolean acquire(String lock, Duration ttl) {
        try {
            return Boolean.TRUE.equals(writes.execute(tx -> {
                LocalDateTime now = databaseNow();
                if (jdbc.update("UPDATE " + table + " SET CLIENT_ID = ?, EXPIRED_AFTER = ? WHERE REGION = ?"
                        + " AND LOCK_KEY = ? AND (CLIENT_ID = ? OR EXPIRED_AFTER < ?)",
                        clientId, now.plus(ttl), region, lock, clientId, now) > 0) {
                    return true;
                }
                return jdbc.update(getInsertQuery(), region, lock, clientId, now, now.plus(ttl)) > 0;
            }));
        } catch (DataIntegrityViolationException heldByAnother) {
            return false; // another client inserted it at the same moment
        }
    }

    /**
     * @param lock the lock's key in the table
     * @return whether this client holds it and its time has not passed on the database's clock
     */
    @Override
    public boolean isAcquired(String lock) {
        return Boolean.TRUE.equals(reads.execute(tx -> jdbc.queryForObject("SELECT COUNT(*) FROM " + table
                + " WHERE REGION = ? AND LOCK_KEY = ? AND CLIENT_ID = ? AND EXPIRED_AFTER >= ?", Integer.class,
                region, lock, clientId, databaseNow()) > 0));
    }

    /** Deletes the locks of this region whose time has passed on the database's clock. */
    @Override
    public void deleteExpired() {
        writes.executeWithoutResult(tx -> jdbc.update("DELETE FROM " + table + " WHERE REGION = ?"
                + " AND EXPIRED_AFTER < ?", region, databaseNow()));
    }

    /**
     * Extends a lock this client holds by {@code ttl} from the database's now.
     *
     * @param lock the lock's key in the table
     * @param ttl  the new time to live
     * @return false when the lock is not this client's any more, or its time had passed on the database's clock
     *         (another process may have taken it, or may at any moment): its holder must stop
     */
    @Override
    public boolean renew(String lock, Duration ttl) {
        return Boolean.TRUE.equals(writes.execute(tx -> {
            LocalDateTime now = databaseNow();
            return jdbc.update("UPDATE " + table + " SET EXPIRED_AFTER = ? WHERE REGION = ? AND LOCK_KEY = ?"
                    + " AND CLIENT_ID = ? AND EXPIRED_AFTER >= ?", now.plus(ttl), region, lock, clientId, now) > 0;
        }));
    }

    /** @return the database's current time as a UTC wall-clock time, as {@code INT_LOCK} holds its times */
    private LocalDateTime databaseNow() {
        OffsetDateTime now = jdbc.queryForObject("SELECT CURRENT_TIMESTAMP", OffsetDateTime.class);
        return now.withOffsetSameInstant(ZoneOffset.UTC).toLocalDateTime();
    }
}
