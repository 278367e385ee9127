package io.imagebatch.ledger;

import io.imagebatch.testsupport.EnabledIfPostgres;
import io.imagebatch.testsupport.PostgresTestDatabase;
import javax.sql.DataSource;

/**
 * {@link TaskLedgerContract} on a real PostgreSQL server, each test in a fresh schema; skipped unless
 * {@code IMAGEBATCH_TEST_POSTGRES_URL} is set ({@link PostgresTestDatabase}).
 */
@EnabledIfPostgres
class TaskLedgerPostgresTest extends TaskLedgerContract {

    @Override
    DataSource openDataSource() {
        return postgres();
    }
}
