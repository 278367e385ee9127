package io.imagebatch.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariDataSource;
import io.imagebatch.testsupport.EnabledIfPostgres;
import io.imagebatch.testsupport.PostgresTestDatabase;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The lock the schema initializers run under on PostgreSQL ({@link SchemaInitializationLock}, README.md,
 * PostgreSQL), against the PostgreSQL test server: another session sees it held until it is released, a process
 * that waits longer than its wait fails with a message that says what it waited for, and on H2 nothing is taken.
 */
@EnabledIfPostgres
class SchemaInitializationLockPostgresTest {

    @Test
    void theLockIsHeldUntilReleased(PostgresTestDatabase.Schema schema)
            throws Exception {
        try (HikariDataSource pool = schema.dataSource(2); Connection other = connect(schema)) {
            SchemaInitializationLock lock = SchemaInitializationLock.take(pool, Duration.ofSeconds(5));
            assertThat(lock.held()).isTrue();
            assertThat(tryLock(other)).as("another session takes the lock while it is held").isFalse();

            lock.release();

            assertThat(lock.held()).isFalse();
            assertThat(tryLock(other)).as("another session takes the lock once it is released").isTrue();
            lock.close(); // a second release does nothing
        }
    }

    @Test
    void aProcessThatWaitsLongerThanItsWaitForAnotherOnesInitializationDoesNotStartAndSaysWhy(
            PostgresTestDatabase.Schema schema) throws Exception {
        try (HikariDataSource pool = schema.dataSource(2); Connection other = connect(schema)) {
            assertThat(tryLock(other)).isTrue(); // another process initializes the schema, and does not end

            assertThatThrownBy(() -> SchemaInitializationLock.take(pool, Duration.ofSeconds(1)))
                    .isInstanceOf(SchemaInitializationLockException.class)
                    .hasNoCause()
                    .hasMessageContaining("another process has been creating or upgrading the tables of PostgreSQL"
                            + " schema " + schema.name() + " for more than 1 s")
                    .hasMessageContaining("classid " + SchemaInitializationLock.LOCK_CLASS);
        }
    }

    @Test
    void onH2NothingIsTaken() {
        try (HikariDataSource h2 = new HikariDataSource()) {
            h2.setJdbcUrl("jdbc:h2:mem:schema-lock");
            SchemaInitializationLock lock = SchemaInitializationLock.take(h2, Duration.ofSeconds(1));
            assertThat(lock.held()).isFalse();
            assertThat(h2.isRunning()).as("H2 is not even connected to").isFalse();
        }
    }

    /** @return whether {@code connection}'s session took the schema's lock ({@code pg_try_advisory_lock}) */
    private static boolean tryLock(Connection connection) throws SQLException {
        try (Statement s = connection.createStatement();
                ResultSet rs = s.executeQuery("SELECT pg_try_advisory_lock(" + SchemaInitializationLock.LOCK_CLASS
                        + ", hashtext(current_schema()))")) {
            rs.next();
            return rs.getBoolean(1);
        }
    }

    private static Connection connect(PostgresTestDatabase.Schema schema) throws SQLException {
        return DriverManager.getConnection(schema.url(), schema.user(), schema.password());
    }
}
