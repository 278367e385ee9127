package io.imagebatch.db;

import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Locale;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * While held, no other process initializes the same PostgreSQL schema: a session-level advisory lock
 * ({@code pg_advisory_lock}, PostgreSQL's manual, "Advisory Locks") on one connection of its own, taken before the
 * schema initializers run and released once they are all done ({@link SchemaInitializationOrder}, README.md,
 * PostgreSQL). {@code CREATE TABLE IF NOT EXISTS} does not make two sessions creating the same table at the same
 * moment safe on PostgreSQL: one of them fails with "duplicate key value violates unique constraint
 * pg_type_typname_nsp_index", and its process could not start.
 *
 * <p>The lock's key is the pair ({@value #LOCK_CLASS}, {@code hashtext(current_schema())}): one lock per schema
 * (where the unqualified tables are created), so processes of other schemas of the same database (other
 * installations, the tests' schemas) never wait for each other. Two schemas whose names hash alike only share a
 * lock, which costs a wait, never a failure.
 *
 * <p>On any other database (H2: a file database is opened by one process) nothing is taken ({@link #held()} is
 * false). Not thread-safe: made, released and closed by the Spring context's start-up thread.
 */
public final class SchemaInitializationLock implements AutoCloseable {

    /** The first half of the advisory lock's key, fixed for this application ("ibSC" in ASCII). */
    public static final int LOCK_CLASS = 0x69625343;

    /** How long a process waits at most for another one's initialization: 2 minutes. */
    public static final Duration DEFAULT_WAIT = Duration.ofMinutes(2);

    /** PostgreSQL's SQLSTATE {@code lock_not_available}: {@code lock_timeout} ended the wait. */
    private static final String LOCK_NOT_AVAILABLE = "55P03";

    /** The lock's key as SQL arguments: this application's class and the connection's schema. */
    private static final String KEY = LOCK_CLASS + ", hashtext(coalesce(current_schema(), ''))";

    private static final Logger LOG = LoggerFactory.getLogger(SchemaInitializationLock.class);

    private final DataSource dataSource;
    /** The connection holding the lock; null when none is held (not PostgreSQL, or released). */
    private Connection connection;
    private final String schema;

    private SchemaInitializationLock(DataSource dataSource, Connection connection, String schema) {
        this.dataSource = dataSource;
        this.connection = connection;
        this.schema = schema;
    }

    /**
     * Takes the lock on PostgreSQL, waiting at most {@code wait} for a process that holds it; on any other
     * database returns at once, holding nothing (an H2 URL is recognised from the pool's settings without
     * connecting).
     *
     * @param dataSource the database whose schema is initialized
     * @param wait       how long to wait at most for another process's initialization, at least 1 ms
     * @return the lock, held on PostgreSQL until {@link #release()} or {@link #close()}
     * @throws SchemaInitializationLockException when another process held the lock for all of {@code wait}; the
     *                                           message names the schema and how to find that process
     * @throws IllegalStateException             when the database cannot be reached or refuses the lock's
     *                                           statements (the JDBC error is the cause)
     * @throws IllegalArgumentException          when {@code wait} is shorter than 1 ms
     */
    public static SchemaInitializationLock take(DataSource dataSource, Duration wait) {
        if (wait.toMillis() < 1) {
            throw new IllegalArgumentException("wait: " + wait + " is shorter than 1 ms");
        }
        if (dataSource instanceof HikariDataSource pool && pool.getJdbcUrl() != null
                && !pool.getJdbcUrl().startsWith("jdbc:postgresql:")) {
            return new SchemaInitializationLock(dataSource, null, null);
        }
        Connection connection;
        try {
            connection = dataSource.getConnection();
        } catch (SQLException e) {
            throw new IllegalStateException("cannot connect to the database to initialize its tables: "
                    + e.getMessage(), e);
        }
        try {
            String product = connection.getMetaData().getDatabaseProductName();
            if (product == null || !product.toLowerCase(Locale.ROOT).contains("postgres")) {
                connection.close();
                return new SchemaInitializationLock(dataSource, null, null);
            }
            String schema = lock(connection, wait);
            return new SchemaInitializationLock(dataSource, connection, schema);
        } catch (SQLException | RuntimeException e) {
            discard(dataSource, connection);
            if (e instanceof SQLException sql && LOCK_NOT_AVAILABLE.equals(sql.getSQLState())) {
                SchemaInitializationLockException timeout = new SchemaInitializationLockException(
                        "another process has been creating or upgrading the tables of PostgreSQL schema "
                        + schemaOf(dataSource) + " for more than " + wait.toSeconds() + " s (it holds the advisory"
                        + " lock pg_advisory_lock(" + KEY + "), listed in pg_locks with locktype 'advisory' and"
                        + " classid " + LOCK_CLASS + "); end that process, or wait for it, and start this one"
                        + " again");
                timeout.addSuppressed(e);
                throw timeout;
            }
            if (e instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw new IllegalStateException("cannot take the lock for initializing the database's tables: "
                    + e.getMessage(), e);
        }
    }

    /**
     * Takes the advisory lock on {@code connection}, in a transaction whose {@code lock_timeout} ends the wait
     * (the setting ends with the transaction; the session-level lock stays).
     *
     * @return the schema the lock is for
     */
    private static String lock(Connection connection, Duration wait) throws SQLException {
        boolean autoCommit = connection.getAutoCommit();
        connection.setAutoCommit(false);
        try (Statement statement = connection.createStatement()) {
            String schema;
            boolean taken;
            try (ResultSet rs = statement.executeQuery("SELECT coalesce(current_schema(), ''), pg_try_advisory_lock("
                    + KEY + ")")) {
                rs.next();
                schema = rs.getString(1);
                taken = rs.getBoolean(2);
            }
            if (!taken) {
                LOG.info("Another process is creating or upgrading the tables of schema {}; waiting up to {} s for it",
                        schema, wait.toSeconds());
                statement.execute("SET LOCAL lock_timeout = " + wait.toMillis());
                statement.execute("SELECT pg_advisory_lock(" + KEY + ")");
            }
            connection.commit();
            return schema;
        } catch (SQLException | RuntimeException e) {
            connection.rollback();
            throw e;
        } finally {
            connection.setAutoCommit(autoCommit);
        }
    }

    /** @return true while this process holds the lock (on PostgreSQL, until released) */
    public boolean held() {
        return connection != null;
    }

    /**
     * Releases the lock ({@code pg_advisory_unlock}) and closes its connection, which leaves the pool for good (a
     * session that still held the lock by some failure then ends, and PostgreSQL releases it with the session). A
     * second call, or a call on a lock never held, does nothing. A failure to release is logged, not thrown: the
     * session's end releases the lock.
     */
    public void release() {
        Connection held = connection;
        if (held == null) {
            return;
        }
        connection = null;
        try (Statement statement = held.createStatement();
                ResultSet rs = statement.executeQuery("SELECT pg_advisory_unlock(" + KEY + ")")) {
            if (rs.next() && !rs.getBoolean(1)) {
                LOG.warn("The lock for initializing the tables of schema {} was not held at its release", schema);
            }
        } catch (SQLException e) {
            LOG.warn("Could not release the lock for initializing the tables of schema {} ({}); closing its"
                    + " connection releases it", schema, e.getMessage());
        } finally {
            discard(dataSource, held);
        }
    }

    /** {@link #release()}: for the Spring context's end, also when it failed to start. */
    @Override
    public void close() {
        release();
    }

    /**
     * Closes a connection for good: a pooled one is evicted from Hikari's pool (so that its session, and any
     * advisory lock it may still hold, ends), any other one closed.
     */
    private static void discard(DataSource dataSource, Connection connection) {
        try {
            if (dataSource instanceof HikariDataSource pool) {
                pool.evictConnection(connection);
            } else {
                connection.close();
            }
        } catch (SQLException | RuntimeException e) {
            LOG.debug("Closing the schema lock's connection failed: {}", e.getMessage());
        }
    }

    /** @return the schema named by the datasource's URL ({@code currentSchema}), else "of the user's search path" */
    private static String schemaOf(DataSource dataSource) {
        if (dataSource instanceof HikariDataSource pool && pool.getJdbcUrl() != null) {
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("[?&]currentSchema=([^&]+)")
                    .matcher(pool.getJdbcUrl());
            if (m.find()) {
                return m.group(1);
            }
        }
        return "(the first of the user's search_path)";
    }
}
