package io.imagebatch.cli;

import io.imagebatch.app.BatchSpendCheck;
import io.imagebatch.db.SchemaInitializationConfiguration;
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
 * The Spring applications of the commands that answer at once, {@code status} ({@link Status}) and
 * {@code validate} ({@link Validate}) (README.md, Performance): each starts only what its command needs. Both have
 * the database as every command has it ({@code spring.datasource.*} from the same {@code application.properties},
 * command line and environment; the ledger's {@code spring.sql.init} scripts and {@link LedgerSchemaUpgrade},
 * which make a database without the ledger's tables answer as an empty one, run under the schema lock of
 * {@link SchemaInitializationConfiguration} on PostgreSQL), the ledger's reads and the price
 * table; {@code validate} adds the providers' row rules, the dry run and the spend estimate. Nothing else: no
 * component scan and no other auto-configuration, so no Spring Batch infrastructure (no JobRepository,
 * JobOperator, job or step beans; {@code status} reads a batch's last run through {@link LastJobExecutions}), no
 * web server, no sandbox, no S3 client, no Actuator.
 *
 * <p>Deliberately not annotated {@code @Configuration}: the full application's component scan would take these
 * classes in too. Given as an application's source ({@link SpringCommand#fast}), their imports and {@code @Bean}
 * methods are read all the same (Spring's "lite" configuration classes).
 */
final class FastCommandConfiguration {

    private FastCommandConfiguration() {
    }

    /** The database, the ledger's reads, the clock and the price table, as the full application has them. */
    @ImportAutoConfiguration({DataSourceAutoConfiguration.class, DataSourceTransactionManagerAutoConfiguration.class,
            JdbcTemplateAutoConfiguration.class, JdbcClientAutoConfiguration.class,
            DataSourceInitializationAutoConfiguration.class})
    @Import({LedgerSchemaUpgrade.class, BatchRegistry.class, TaskLedger.class, LedgerRetries.class,
            BatchSettingsStore.class, SchemaInitializationConfiguration.class})
    static class Ledger {

        /** @return the system clock in UTC, as the full application's */
        @Bean
        Clock clock() {
            return Clock.systemUTC();
        }

        /**
         * @param environment the command's settings
         * @return the price table, bound from the same settings as the full application's
         *         ({@link SpendConfiguration#priceTable(Environment)})
         * @throws io.imagebatch.spend.PriceSettingsException when a price setting is not a usable price or currency
         */
        @Bean
        PriceTable priceTable(Environment environment) {
            return SpendConfiguration.priceTable(environment);
        }
    }

    /** {@code status}: the ledger's reads and the batches' last job executions ({@link BatchStatusReport}). */
    @Import(Ledger.class)
    static class Status {

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

        /** @return {@code status}'s report, on the ledger's reads and the last job executions */
        @Bean
        BatchStatusReport batchStatusReport(BatchSettingsStore batches, TaskLedger ledger, BatchRegistry registry,
                LedgerRetries retries, PriceTable prices, LastJobExecutions executions) {
            return new BatchStatusReport(batches, ledger, registry, retries, prices, executions::last);
        }
    }

    /**
     * {@code validate}: the providers' row rules ({@link ProviderRegistry}), the dry run ({@link BatchPreflight})
     * and the spend estimate ({@link BatchSpendCheck}), on the ledger's reads (rows a started batch has sent).
     */
    @EnableConfigurationProperties({ProvidersProperties.class, HttpProperties.class, StorageProperties.class})
    @Import({Ledger.class, ProviderRegistry.class, LiangXinAdapterFactory.class,
            MingyanAdapterFactory.class, HiApiAdapterFactory.class, CrunAdapterFactory.class, BatchPreflight.class,
            BatchSpendCheck.class})
    static class Validate {
    }
}
