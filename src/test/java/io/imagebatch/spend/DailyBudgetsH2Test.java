package io.imagebatch.spend;

import com.zaxxer.hikari.HikariDataSource;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link DailyBudgetsContract} on an H2 file database, the default database: every pool opened on the same file
 * is another "process". The lock timeout is generous, so a reservation waiting for another's line never fails
 * on a loaded machine.
 */
class DailyBudgetsH2Test extends DailyBudgetsContract {

    @TempDir
    Path folder;

    @Override
    HikariDataSource openDataSource() {
        HikariDataSource dataSource = new HikariDataSource();
        dataSource.setJdbcUrl("jdbc:h2:file:" + folder.resolve("spend").toAbsolutePath()
                + ";AUTO_SERVER=FALSE;LOCK_TIMEOUT=120000");
        dataSource.setUsername("sa");
        dataSource.setMaximumPoolSize(5);
        return dataSource;
    }
}
