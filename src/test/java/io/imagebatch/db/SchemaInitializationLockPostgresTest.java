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
import io.imagebatch.ImageBatchApplication;
import io.imagebatch.ledger.TaskLedger;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The lock the schema initializers run under on PostgreSQL ({@link SchemaInitializationLock}, README.md,
 * PostgreSQL), against the PostgreSQL test server: another session sees it held until it is released, the
 * application releases it once its tables are made, a process that waits longer than its wait fails with a
 * message that says what it waited for, and on H2 nothing is taken.
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
    void theApplicationReleasesTheLockOnceItsTablesAreMadeBeforeItsOtherBeans(PostgresTestDatabase.Schema schema) {
        // TaskLedger is made after LedgerSchemaUpgrade, the last initializer (@DependsOn): the lock is free by then
        java.util.concurrent.atomic.AtomicReference<Boolean> heldWhenTheLedgerWasMade =
                new java.util.concurrent.atomic.AtomicReference<>();
        java.util.concurrent.atomic.AtomicReference<Boolean> takenAtAll = new java.util.concurrent.atomic
                .AtomicReference<>(false);
        List<String> args = new java.util.ArrayList<>(schema.springArgs());
        args.add("--imagebatch.sandbox.enabled=false");
        try (ConfigurableApplicationContext context = new SpringApplicationBuilder(ImageBatchApplication.class)
                .web(WebApplicationType.NONE).logStartupInfo(false)
                .initializers(c -> c.getBeanFactory().addBeanPostProcessor(new BeanPostProcessor() {
                    @Override
                    public Object postProcessBeforeInitialization(Object bean, String name) {
                        if (name.equals(SchemaInitializationConfiguration.LOCK)) {
                            takenAtAll.set(((SchemaInitializationLock) bean).held());
                        }
                        if (bean instanceof TaskLedger) {
                            heldWhenTheLedgerWasMade.set(c.getBean(SchemaInitializationConfiguration.LOCK,
                                    SchemaInitializationLock.class).held());
                        }
                        return bean;
                    }
                }))
                .run(args.toArray(String[]::new))) {
            assertThat(takenAtAll.get()).as("the lock was taken").isTrue();
            assertThat(heldWhenTheLedgerWasMade.get()).as("the lock still held when the ledger was made").isFalse();
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
