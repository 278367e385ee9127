package io.imagebatch.ledger;

import javax.sql.DataSource;

/** {@link BatchRegistryContract} on H2, the default database (in memory here; the file mode speaks the same SQL). */
class BatchRegistryH2Test extends BatchRegistryContract {

    @Override
    DataSource openDataSource() {
        return h2();
    }
}
