package io.imagebatch.ledger;

import javax.sql.DataSource;

/** {@link LedgerImagesContract} on H2, the default database. */
class LedgerImagesH2Test extends LedgerImagesContract {

    @Override
    DataSource openDataSource() {
        return h2();
    }
}
