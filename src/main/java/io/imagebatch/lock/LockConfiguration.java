package io.imagebatch.lock;

import java.sql.DatabaseMetaData;
import java.util.Locale;
import javax.sql.DataSource;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.integration.jdbc.lock.DefaultLockRepository;
import org.springframework.integration.jdbc.lock.JdbcLockRegistry;
import org.springframework.jdbc.support.JdbcUtils;
import org.springframework.transaction.PlatformTransactionManager;

/**
 * Spring Integration's JDBC lock registry on the job repository's database: its {@code INT_LOCK} table
 * ({@code db/lock-schema.sql}) is what makes a lock hold across every process that shares the database.
 */
@Configuration(proxyBeanMethods = false)
public class LockConfiguration {

    /** Lock rows of this application, apart from any other user of {@code INT_LOCK}. */
    static final String REGION = "imagebatch";

    /**
     * The lock table's client, judging expiry on the database's clock ({@link DatabaseClockLockRepository}). Each
     * context gets its own random client id, so two processes (or two contexts in one JVM) never take each
     * other's locks for their own.
     *
     * @param dataSource         the job repository's database
     * @param transactionManager its transaction manager
     * @return the repository; closing it (with the context) deletes the locks it still holds
     */
    @Bean
    DefaultLockRepository imagebatchLockRepository(DataSource dataSource,
            PlatformTransactionManager transactionManager) {
        DefaultLockRepository repository = new DatabaseClockLockRepository(dataSource);
        repository.setRegion(REGION);
        repository.setTransactionManager(transactionManager);
        if (isPostgreSql(dataSource)) {
            // a failed INSERT aborts a PostgreSQL transaction; the lock is simply taken (Spring Integration's advice)
            repository.setInsertQuery(repository.getInsertQuery() + " ON CONFLICT DO NOTHING");
        }
        return repository;
    }

    /**
     * @param imagebatchLockRepository the lock table's client
     * @param properties               the locks' time to live
     * @return the registry {@link BatchLocks} takes its locks from
     */
    @Bean
    JdbcLockRegistry imagebatchLockRegistry(DefaultLockRepository imagebatchLockRepository,
            LockProperties properties) {
        return new JdbcLockRegistry(imagebatchLockRepository, properties.ttl());
    }

    private static boolean isPostgreSql(DataSource dataSource) {
        try {
            String product = JdbcUtils.extractDatabaseMetaData(dataSource, DatabaseMetaData::getDatabaseProductName);
            return product != null && product.toLowerCase(Locale.ROOT).contains("postgres");
        } catch (Exception e) {
            return false; // the database is not reachable now; Boot's own start-up reports that
        }
    }
}
