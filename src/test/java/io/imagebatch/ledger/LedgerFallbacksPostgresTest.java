package io.imagebatch.ledger;

import io.imagebatch.testsupport.EnabledIfPostgres;
import javax.sql.DataSource;

/**
 * {@link LedgerFallbacksContract} on a real PostgreSQL server, each test in a fresh schema; skipped unless
 * {@code IMAGEBATCH_TEST_POSTGRES_URL} is set ({@link io.imagebatch.testsupport.PostgresTestDatabase}).
 */
@EnabledIfPostgres
class LedgerFallbacksPostgresTest extends LedgerFallbacksContract {

    @Override
    DataSource openDataSource() {
        return postgres();
    }
}
