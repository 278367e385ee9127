package io.imagebatch.job;

import static org.assertj.core.api.Assertions.assertThat;

import io.imagebatch.cli.ImageBatchCli;
import io.imagebatch.testsupport.CliRun;
import io.imagebatch.testsupport.EnabledIfPostgres;
import io.imagebatch.testsupport.PostgresTestDatabase;
import io.imagebatch.testsupport.SampleCatalogue;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Every test of {@link ImageProductionJobEndToEndTest}, with the job repository and the ledger on a real
 * PostgreSQL server instead of H2: each test in a fresh schema, which Spring Batch's
 * {@code schema-postgresql.sql} and {@code db/ledger-schema.sql} set up on the first start, and every later
 * start (the resumes, the rerun of a completed batch) runs again. Skipped unless
 * {@code IMAGEBATCH_TEST_POSTGRES_URL} is set ({@link PostgresTestDatabase}).
 */
@EnabledIfPostgres
class ImageProductionJobPostgresEndToEndTest extends ImageProductionJobEndToEndTest {

    @Test
    void theJobRepositoryAndTheLedgerAreInPostgresql(PostgresTestDatabase.Schema schema) throws SQLException {
        CliRun first = run("s3://marketing-images/in-postgres");
        assertThat(first.exitCode()).isEqualTo(ImageBatchCli.COMPLETED);
        CliRun again = run("s3://marketing-images/in-postgres");
        assertThat(again.output()).contains("already completed");

        assertThat(CliRun.database(work)).anySatisfy(arg -> assertThat(arg).startsWith("--spring.datasource.url="
                + "jdbc:postgresql:").endsWith("currentSchema=" + schema.name()));
        Map<String, Long> counts = new LinkedHashMap<>();
        try (Connection c = DriverManager.getConnection(schema.url(), schema.user(), schema.password());
                Statement s = c.createStatement()) {
            for (String query : new String[] {
                "SELECT COUNT(*) FROM batch_job_instance",
                "SELECT COUNT(*) FROM batch_job_execution WHERE status = 'COMPLETED'",
                "SELECT COUNT(*) FROM batch_step_execution",
                "SELECT COUNT(*) FROM ib_batch",
                "SELECT COUNT(*) FROM ib_task_ledger WHERE state = 'STORED'",
                "SELECT COUNT(*) FROM ib_task_ledger WHERE state = 'REJECTED'",
                "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = current_schema()"}) {
                try (ResultSet rs = s.executeQuery(query)) {
                    rs.next();
                    counts.put(query, rs.getLong(1));
                }
            }
        }
        assertThat(counts.values()).containsExactly(1L, 1L, 4L, 1L, (long) SampleCatalogue.VALID, 5L,
                // 6 of Spring Batch's, 3 of the ledger's, the daily budgets' IB_SPEND_DAY, the fallback moves'
                // IB_FALLBACK_MOVE, the learned rates' IB_PROVIDER_RATE, INT_LOCK, and serve's IB_JOB_LAST_BATCH and
                // the console's IB_CONSOLE_BATCH, the shared rate budgets' IB_RATE_BUCKET, the workers' partition
                // fences IB_PARTITION_FENCE
                17L);
    }
}
