package io.imagebatch.provider;

import com.zaxxer.hikari.HikariDataSource;
import io.imagebatch.testsupport.EnabledIfPostgres;
import io.imagebatch.testsupport.PostgresTestDatabase;

/**
 * {@link SharedRateBudgetContract} on a real PostgreSQL server, each test in a fresh schema. Skipped unless
 * {@code IMAGEBATCH_TEST_POSTGRES_URL} is set ({@link PostgresTestDatabase}).
 */
@EnabledIfPostgres
class SharedRateBudgetPostgresTest extends SharedRateBudgetContract {

    @Override
    HikariDataSource openDataSource() {
        return PostgresTestDatabase.current().dataSource(2);
    }

    @Override
    boolean leaseStatementsHaveATimeout() {
        return true;
    }
}
