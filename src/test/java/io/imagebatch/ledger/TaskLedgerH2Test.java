package io.imagebatch.ledger;

import javax.sql.DataSource;

/** {@link TaskLedgerContract} on H2, the default database (in memory here; the file mode speaks the same SQL). */
class TaskLedgerH2Test extends TaskLedgerContract {

    @Override
    DataSource openDataSource() {
        return h2();
    }
}
