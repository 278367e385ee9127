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
        return PostgresTestDatabase.current().dataSource(2);
    }
}
