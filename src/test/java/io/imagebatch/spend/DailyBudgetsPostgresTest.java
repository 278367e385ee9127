package io.imagebatch.spend;

import com.zaxxer.hikari.HikariDataSource;
import io.imagebatch.testsupport.EnabledIfPostgres;
import io.imagebatch.testsupport.PostgresTestDatabase;

/**
 * {@link DailyBudgetsContract} on a real PostgreSQL server, each test in a fresh schema; every pool opened on it
 * is another "process". Skipped unless {@code IMAGEBATCH_TEST_POSTGRES_URL} is set ({@link PostgresTestDatabase}).
 */
@EnabledIfPostgres
class DailyBudgetsPostgresTest extends DailyBudgetsContract {

    @Override
    HikariDataSource openDataSource() {
        return PostgresTestDatabase.current().dataSource(5);
    }
}
