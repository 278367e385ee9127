package io.imagebatch.ledger;

import io.imagebatch.testsupport.EnabledIfPostgres;
import javax.sql.DataSource;

/**
 * {@link BatchBudgetContract} on a real PostgreSQL server, each test in a fresh schema; skipped unless
 * {@code IMAGEBATCH_TEST_POSTGRES_URL} is set.
 */
@EnabledIfPostgres
class BatchBudgetPostgresTest extends BatchBudgetContract {

    @Override
    DataSource openDataSource() {
        return postgres();
    }
}
