package io.imagebatch.db;

import javax.sql.DataSource;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Lazy;

/**
 * On PostgreSQL, processes that start together on one schema initialize it one at a time
 * ({@link SchemaInitializationLock}, {@link SchemaInitializationOrder}; README.md, PostgreSQL). In the full
 * application through the component scan, and imported by the small application of {@code status} and
 * {@code validate}, which runs the ledger's initializers too.
 */
@Configuration(proxyBeanMethods = false)
public class SchemaInitializationConfiguration {

    /** The lock's bean name, which every schema initializer depends on. */
    public static final String LOCK = "schemaInitializationLock";

    /**
     * The lock, made (and taken) only when the first schema initializer is made: it is lazy, and the initializers
     * depend on it.
     *
     * @param dataSource the database whose schema is initialized
     * @return the lock, held on PostgreSQL; released after the last initializer, or when the context closes
     * @throws SchemaInitializationLockException as {@link SchemaInitializationLock#take}
     */
    @Bean(LOCK)
    @Lazy
    SchemaInitializationLock schemaInitializationLock(DataSource dataSource) {
        return SchemaInitializationLock.take(dataSource, SchemaInitializationLock.DEFAULT_WAIT);
    }

    /** @return what makes the schema initializers wait for the lock and releases it after them */
    @Bean
    static SchemaInitializationOrder schemaInitializationOrder() {
        return new SchemaInitializationOrder();
    }
}
