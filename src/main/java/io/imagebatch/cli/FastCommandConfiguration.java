package io.imagebatch.cli;

import io.imagebatch.app.BatchSpendCheck;
import io.imagebatch.job.BatchPreflight;
import io.imagebatch.job.BatchSettingsStore;
import io.imagebatch.ledger.BatchRegistry;
import io.imagebatch.ledger.LedgerRetries;
import io.imagebatch.ledger.LedgerSchemaUpgrade;
import io.imagebatch.ledger.TaskLedger;
import io.imagebatch.provider.HttpProperties;
import io.imagebatch.provider.ProviderRegistry;
import io.imagebatch.provider.ProvidersProperties;
import io.imagebatch.provider.crun.CrunAdapterFactory;
import io.imagebatch.provider.hiapi.HiApiAdapterFactory;
import io.imagebatch.provider.liangxin.LiangXinAdapterFactory;
import io.imagebatch.provider.mingyan.MingyanAdapterFactory;
import io.imagebatch.spend.PriceTable;
import io.imagebatch.spend.SpendConfiguration;
import io.imagebatch.storage.StorageProperties;
import java.time.Clock;
import javax.sql.DataSource;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.boot.jdbc.autoconfigure.DataSourceInitializationAutoConfiguration;
import org.springframework.boot.jdbc.autoconfigure.DataSourceTransactionManagerAutoConfiguration;
import org.springframework.boot.jdbc.autoconfigure.JdbcClientAutoConfiguration;
import org.springframework.boot.jdbc.autoconfigure.JdbcTemplateAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.core.env.Environment;
import org.springframework.transaction.PlatformTransactionManager;

/**
 * The whole Spring application of the commands that answer at once, {@code status} and {@code validate} (README.md,
 * Performance): the database as every command has it ({@code spring.datasource.*} from the same
 * {@code application.properties}, command line and environment, the ledger's {@code spring.sql.init} scripts and
 * {@link LedgerSchemaUpgrade}, which make a database without the ledger's tables answer as an empty one), the
 * ledger's reads, the providers' row rules and the price table. Nothing else: no component scan and no other
 * auto-configuration, so no Spring Batch infrastructure (no JobRepository, JobOperator, job or step beans; a
 * batch's last run is read through {@link LastJobExecutions}), no web server, no sandbox, no S3 client, no
 * Actuator.
 *
 * <p>Deliberately not annotated {@code @Configuration}: the full application's component scan would take it in
 * too. Given as the application's source ({@link SpringCommand#fast}), its imports and {@code @Bean} methods are
 * read all the same (Spring's "lite" configuration class).
 */
@ImportAutoConfiguration({DataSourceAutoConfiguration.class, DataSourceTransactionManagerAutoConfiguration.class,
        JdbcTemplateAutoConfiguration.class, JdbcClientAutoConfiguration.class,
        DataSourceInitializationAutoConfiguration.class})
@EnableConfigurationProperties({ProvidersProperties.class, HttpProperties.class, StorageProperties.class})
@Import({LedgerSchemaUpgrade.class, BatchRegistry.class, TaskLedger.class, LedgerRetries.class,
        BatchSettingsStore.class, ProviderRegistry.class, LiangXinAdapterFactory.class, MingyanAdapterFactory.class,
        HiApiAdapterFactory.class, CrunAdapterFactory.class, BatchPreflight.class, BatchSpendCheck.class})
class FastCommandConfiguration {

    /** @return the system clock in UTC, as the full application's */
    @Bean
    Clock clock() {
        return Clock.systemUTC();
    }

    /**
     * @param environment the command's settings
     * @return the price table, bound from the same settings as the full application's
     *         ({@link SpendConfiguration#priceTable(Environment)})
     */
    @Bean
    PriceTable priceTable(Environment environment) {
        return SpendConfiguration.priceTable(environment);
    }

    /**
     * @param dataSource         the database
     * @param transactionManager its transactions
     * @param environment        the command's settings ({@code spring.batch.jdbc.table-prefix})
     * @param registry           the ledger's batches, for each batch's current job instance
     * @return the reader of a batch's last job execution, which opens Spring Batch's tables only when asked
     */
    @Bean
    LastJobExecutions lastJobExecutions(DataSource dataSource, PlatformTransactionManager transactionManager,
            Environment environment, BatchRegistry registry) {
        return new LastJobExecutions(dataSource, transactionManager,
                environment.getProperty(LastJobExecutions.TABLE_PREFIX), registry);
    }

    /**
     * @return {@code status}'s report, on the ledger's reads and the last job executions
     */
    @Bean
    BatchStatusReport batchStatusReport(BatchSettingsStore batches, TaskLedger ledger, BatchRegistry registry,
            LedgerRetries retries, PriceTable prices, LastJobExecutions executions) {
        return new BatchStatusReport(batches, ledger, registry, retries, prices, executions::last);
    }
}
