package io.imagebatch.lock;

import io.imagebatch.testsupport.EnabledIfPostgres;
import io.imagebatch.testsupport.PostgresTestDatabase;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.jdbc.datasource.DriverManagerDataSource;

/** {@link LockLossTest} on PostgreSQL: both processes and the test on one schema of the test server. */
@EnabledIfPostgres
class LockLossPostgresTest {

    @TempDir
    Path work;

    @Test
    void aRunThatLosesItsLockStopsAndTheProcessThatTookItOverCompletesTheBatchWithNothingSentTwice(
            PostgresTestDatabase.Schema schema) throws Exception {
        LockLossTest.runLosesItsLockToASecondProcess(work,
                new DriverManagerDataSource(schema.url(), schema.user(), schema.password()));
    }
}
