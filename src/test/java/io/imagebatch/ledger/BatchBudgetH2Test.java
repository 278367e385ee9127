package io.imagebatch.ledger;

import javax.sql.DataSource;

/** {@link BatchBudgetContract} on H2, the default database. */
class BatchBudgetH2Test extends BatchBudgetContract {

    @Override
    DataSource openDataSource() {
        return h2();
    }
}
