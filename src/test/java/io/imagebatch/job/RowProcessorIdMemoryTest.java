package io.imagebatch.job;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import io.imagebatch.catalogue.CatalogueFormat;
import io.imagebatch.catalogue.CatalogueRow;
import io.imagebatch.ledger.LedgerSchemaUpgrade;
import io.imagebatch.ledger.TaskLedger;
import io.imagebatch.provider.ProviderRegistry;
import io.imagebatch.provider.ProviderSettings;
import io.imagebatch.provider.ProvidersProperties;
import io.imagebatch.provider.RequestDefaults;
import io.imagebatch.testsupport.ProviderFactories;
import java.net.URI;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.support.StaticListableBeanFactory;
import org.springframework.core.io.ClassPathResource;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.jdbc.datasource.init.ResourceDatabasePopulator;

/**
 * The submit step's row processor finds repeated ids (README.md, "Catalogue": ids must be unique) without holding
 * every id of the catalogue in memory (README.md, Performance, "A million rows"): the rows of earlier chunks are in
 * the ledger, so it keeps only the last rows' ids. Rows are processed and then recorded a chunk at a time, as the
 * submit step does, on a real H2 ledger.
 */
class RowProcessorIdMemoryTest {

    private static final int CHUNK = 100;
    private static final int ROWS = 10_000;

    private HikariDataSource dataSource;
    private TaskLedger ledger;
    private BatchSettings batch;
    private ProviderRegistry providers;

    @BeforeEach
    void open() {
        dataSource = new HikariDataSource();
        dataSource.setJdbcUrl("jdbc:h2:mem:ids-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
        dataSource.setUsername("sa");
        new ResourceDatabasePopulator(new ClassPathResource("db/ledger-schema.sql")).execute(dataSource);
        JdbcClient jdbc = JdbcClient.create(dataSource);
        new LedgerSchemaUpgrade(jdbc).apply();
        ledger = new TaskLedger(jdbc, new DataSourceTransactionManager(dataSource), Clock.systemUTC());
        batch = new BatchSettings("Ids", "/x/cat.csv", "ab12", ROWS, new CatalogueFormat(null, Map.of(), null),
                "liangxin", null, RequestDefaults.none(), "file:./output");
        providers = new ProviderRegistry(new ProvidersProperties(ProviderSettings.of(URI.create("http://127.0.0.1:1"),
                "key"), null, null, null),
                new StaticListableBeanFactory().getBeanProvider(io.micrometer.core.instrument.MeterRegistry.class),
                ProviderFactories.all());
    }

    @AfterEach
    void close() {
        dataSource.close();
    }

    /** Row n has id P n, except row 5,000 (repeats row 10's id, 49 chunks earlier) and 7,050 (row 7,020's). */
    private static String idOf(long row) {
        return row == 5_000 ? "P10" : row == 7_050 ? "P7020" : "P" + row;
    }

    @Test
    void repeatedIdsAreFoundAcrossAndWithinChunksWhileOnlyTheLastRowsIdsAreHeld() {
        RowProcessor processor = new RowProcessor(batch, providers, ledger, false).rememberingIdsOfLast(2 * CHUNK);
        Map<Long, String> rejections = new TreeMap<>();
        int mostHeld = 0;
        for (long first = 1; first <= ROWS; first += CHUNK) {
            List<SubmitItem> chunk = new ArrayList<>();
            for (long row = first; row < first + CHUNK; row++) {
                chunk.add(processor.process(new CatalogueRow(row, idOf(row), "a chair number " + row, null, null,
                        null, null, null, List.of(), null)));
                mostHeld = Math.max(mostHeld, processor.idsRemembered());
            }
            // the writer records every row of the chunk (an intent, or a rejection) before the next is read
            for (SubmitItem item : chunk) {
                CatalogueRow row = item.row();
                if (item.rejection() != null) {
                    rejections.put(row.rowNumber(), item.rejection());
                    ledger.insertRejected(batch.batchId(), row.rowNumber(), row.id(), "liangxin", null, row.prompt(),
                            item.rejection());
                } else {
                    ledger.insertIntent(batch.batchId(), row.rowNumber(), row.id(), "liangxin", "m", row.prompt(),
                            "{}");
                }
            }
        }

        assertThat(rejections).containsOnlyKeys(5_000L, 7_050L);
        assertThat(rejections.get(5_000L)).contains("row 5000, column id").contains("repeats the id of row 10");
        assertThat(rejections.get(7_050L)).contains("repeats the id of row 7020");
        assertThat(mostHeld).as("ids held in memory for %d rows", ROWS).isLessThanOrEqualTo(2 * CHUNK);
    }
}
