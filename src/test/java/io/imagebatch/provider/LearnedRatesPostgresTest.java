package io.imagebatch.provider;

import com.zaxxer.hikari.HikariDataSource;
import io.imagebatch.testsupport.EnabledIfPostgres;
import io.imagebatch.testsupport.PostgresTestDatabase;

/**
 * {@link LearnedRatesContract} on a real PostgreSQL server, each test in a fresh schema. Skipped unless
 * {@code IMAGEBATCH_TEST_POSTGRES_URL} is set ({@link PostgresTestDatabase}).
 */
@EnabledIfPostgres
class LearnedRatesPostgresTest extends LearnedRatesContract {

    @Override
    HikariDataSource openDataSource() {
        PostgresTestDatabase.Schema schema = PostgresTestDatabase.current();
        HikariDataSource dataSource = new HikariDataSource();
        dataSource.setJdbcUrl(schema.url());
        dataSource.setUsername(schema.user());
        dataSource.setPassword(schema.password());
        dataSource.setMaximumPoolSize(2);
        return dataSource;
    }
}
