package io.imagebatch.ledger;

import io.imagebatch.testsupport.EnabledIfPostgres;
import io.imagebatch.testsupport.PostgresTestDatabase;
import javax.sql.DataSource;

/**
 * {@link LedgerImagesContract} on a real PostgreSQL server, in a fresh schema; skipped unless
 * {@code IMAGEBATCH_TEST_POSTGRES_URL} is set ({@link PostgresTestDatabase}).
 */
@EnabledIfPostgres
class LedgerImagesPostgresTest extends LedgerImagesContract {

    @Override
    DataSource openDataSource() {
        return postgres();
    }
}
