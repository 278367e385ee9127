package io.imagebatch.provider;

import com.zaxxer.hikari.HikariDataSource;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/** {@link SharedRateBudgetContract} on an H2 file database, the default database. */
class SharedRateBudgetH2Test extends SharedRateBudgetContract {

    @TempDir
    Path folder;

    @Override
    HikariDataSource openDataSource() {
        HikariDataSource dataSource = new HikariDataSource();
        dataSource.setJdbcUrl("jdbc:h2:file:" + folder.resolve("budget").toAbsolutePath() + ";AUTO_SERVER=FALSE");
        dataSource.setUsername("sa");
        dataSource.setMaximumPoolSize(2);
        return dataSource;
    }
}
