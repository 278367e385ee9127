package io.imagebatch.ledger;

import javax.sql.DataSource;

/** {@link LedgerFallbacksContract} on H2, the default database. */
class LedgerFallbacksH2Test extends LedgerFallbacksContract {

    @Override
    DataSource openDataSource() {
        return h2();
    }
}
