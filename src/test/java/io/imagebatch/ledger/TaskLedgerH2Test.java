package io.imagebatch.ledger;

import com.zaxxer.hikari.HikariDataSource;
import java.util.UUID;
import javax.sql.DataSource;

/** {@link TaskLedgerContract} on H2, the default database (in memory here; the file mode speaks the same SQL). */
class TaskLedgerH2Test extends TaskLedgerContract {

    @Override
    DataSource openDataSource() {
        HikariDataSource dataSource = new HikariDataSource();
        dataSource.setJdbcUrl("jdbc:h2:mem:ledger-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
        dataSource.setUsername("sa");
        dataSource.setMaximumPoolSize(4);
        return dataSource;
    }
}
