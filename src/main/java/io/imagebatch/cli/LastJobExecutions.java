package io.imagebatch.cli;

import io.imagebatch.app.BatchRunner;
import io.imagebatch.job.ImageProductionJobConfiguration;
import io.imagebatch.ledger.BatchRegistry;
import javax.sql.DataSource;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.repository.support.JdbcJobRepositoryFactoryBean;
import org.springframework.transaction.PlatformTransactionManager;

/**
 * A batch's last job execution, read from Spring Batch's tables without the Spring Batch infrastructure of a
 * running batch (no JobRepository, JobOperator or job bean): {@code status} needs only this read (README.md,
 * Performance). Spring Batch's own JDBC reads are used (the DAOs {@link JdbcJobRepositoryFactoryBean} makes, made
 * on the first read, never registered as beans, only read through), with Spring Boot's defaults for them (the default
 * execution context serializer, {@code spring.batch.jdbc.table-prefix}), so a read gives what
 * {@link BatchRunner#lastExecution} gives.
 */
final class LastJobExecutions {

    /** The setting of Spring Batch's table prefix, as Spring Boot reads it (default {@code BATCH_}). */
    static final String TABLE_PREFIX = "spring.batch.jdbc.table-prefix";

    private final DataSource dataSource;
    private final PlatformTransactionManager transactionManager;
    private final String tablePrefix;
    private final BatchRegistry registry;
    /** Made on the first read, so that a command that reads no execution never touches Spring Batch's tables. */
    private JobRepository reads;

    /**
     * @param dataSource         the database of the job repository and the ledger
     * @param transactionManager its transactions
     * @param tablePrefix        {@code spring.batch.jdbc.table-prefix}, or null for Spring Batch's default
     * @param registry           the ledger's batches, for the batch's current job instance (its retry rounds)
     */
    LastJobExecutions(DataSource dataSource, PlatformTransactionManager transactionManager, String tablePrefix,
            BatchRegistry registry) {
        this.dataSource = dataSource;
        this.transactionManager = transactionManager;
        this.tablePrefix = tablePrefix;
        this.registry = registry;
    }

    /**
     * @param batchId a batch id
     * @return the last execution of the batch's current job instance (its latest retry round), with its execution
     *         context, or null before its first run
     * @throws IllegalStateException when Spring Batch's reads cannot be set up (the database's type not recognised)
     */
    JobExecution last(String batchId) {
        return reads().getLastJobExecution(ImageProductionJobConfiguration.JOB_NAME,
                BatchRunner.parameters(batchId, registry.retryRounds(batchId)));
    }

    private synchronized JobRepository reads() {
        if (reads == null) {
            Reads factory = new Reads();
            factory.setDataSource(dataSource);
            factory.setTransactionManager(transactionManager);
            if (tablePrefix != null) {
                factory.setTablePrefix(tablePrefix);
            }
            try {
                factory.afterPropertiesSet();
                reads = factory.reads();
            } catch (Exception e) {
                throw new IllegalStateException("cannot read Spring Batch's tables: " + e.getMessage(), e);
            }
        }
        return reads;
    }

    /**
     * Spring Batch's JDBC reads as its factory configures them, without the transaction proxy of a job
     * repository that writes: each read is one query in auto-commit (and the proxy's reactive support, hundreds
     * of classes, is never loaded).
     */
    private static final class Reads extends JdbcJobRepositoryFactoryBean {

        /**
         * @return the repository the factory would wrap in its transaction proxy, over its own DAOs, wired by it
         * @throws Exception as the factory's {@code getTarget}
         */
        JobRepository reads() throws Exception {
            return (JobRepository) getTarget();
        }
    }
}
