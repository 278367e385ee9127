package io.imagebatch.lock;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.LocalDateTime;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.core.io.ClassPathResource;
import org.springframework.integration.jdbc.lock.DefaultLockRepository;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.jdbc.datasource.DriverManagerDataSource;
import org.springframework.jdbc.datasource.init.ResourceDatabasePopulator;

/**
 * The lock table judged on the database's clock: a lock whose time has passed there is free for another client,
 * and can no longer be renewed by its holder, even before anyone took it (the holder must stop).
 */
class DatabaseClockLockRepositoryTest {

    private static final String KEY = UUID.randomUUID().toString();

    private DriverManagerDataSource db;
    private JdbcClient jdbc;

    @BeforeEach
    void database() {
        db = new DriverManagerDataSource("jdbc:h2:mem:locks-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1", "sa", "");
        new ResourceDatabasePopulator(new ClassPathResource("db/lock-schema.sql")).execute(db);
        jdbc = JdbcClient.create(db);
    }

    private DefaultLockRepository client() {
        DatabaseClockLockRepository repository = new DatabaseClockLockRepository(db);
        repository.setRegion(LockConfiguration.REGION);
        repository.setTransactionManager(new DataSourceTransactionManager(db));
        repository.afterPropertiesSet();
        return repository;
    }

    @Test
    void aLockWhoseTimePassedOnTheDatabasesClockCannotBeRenewedAndAnotherClientTakesIt() {
        DefaultLockRepository holder = client();
        DefaultLockRepository other = client();
        assertThat(holder.acquire(KEY, Duration.ofHours(1))).isTrue();
        assertThat(other.acquire(KEY, Duration.ofHours(1))).isFalse();
        assertThat(holder.renew(KEY, Duration.ofHours(1))).isTrue();
        assertThat(holder.isAcquired(KEY)).isTrue();

        // the holder's renewal was held back: its time passed, by the database's clock
        jdbc.sql("UPDATE INT_LOCK SET EXPIRED_AFTER = ?").param(LocalDateTime.of(2000, 1, 1, 0, 0)).update();

        assertThat(holder.isAcquired(KEY)).isFalse();
        assertThat(holder.renew(KEY, Duration.ofHours(1))).as("an expired lock is lost, taken or not").isFalse();
        assertThat(other.acquire(KEY, Duration.ofHours(1))).isTrue();
        assertThat(holder.renew(KEY, Duration.ofHours(1))).isFalse();
        assertThat(other.renew(KEY, Duration.ofHours(1))).isTrue();
    }

    @Test
    void theTimesWrittenAreTheDatabasesNowPlusTheTtlInUtc() {
        DefaultLockRepository holder = client();
        LocalDateTime before = jdbc.sql("SELECT CURRENT_TIMESTAMP").query(java.time.OffsetDateTime.class).single()
                .withOffsetSameInstant(java.time.ZoneOffset.UTC).toLocalDateTime();
        assertThat(holder.acquire(KEY, Duration.ofMinutes(10))).isTrue();
        LocalDateTime expires = jdbc.sql("SELECT EXPIRED_AFTER FROM INT_LOCK").query(LocalDateTime.class).single();
        assertThat(expires).isBetween(before.plusMinutes(10), before.plusMinutes(11));
        holder.deleteExpired();
        assertThat(jdbc.sql("SELECT COUNT(*) FROM INT_LOCK").query(Long.class).single()).isEqualTo(1);
    }
}
