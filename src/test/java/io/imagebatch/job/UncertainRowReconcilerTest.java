package io.imagebatch.job;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import io.imagebatch.ledger.LedgerEntry;
import io.imagebatch.ledger.LedgerSchemaUpgrade;
import io.imagebatch.ledger.RowState;
import io.imagebatch.ledger.TaskLedger;
import io.imagebatch.provider.ImageRequest;
import io.imagebatch.provider.ProviderAdapter;
import io.imagebatch.provider.ProviderRegistry;
import io.imagebatch.provider.ProviderSettings;
import io.imagebatch.provider.ProvidersProperties;
import io.imagebatch.provider.hiapi.HiApiAdapter;
import io.imagebatch.sandbox.SandboxProvider;
import io.imagebatch.sandbox.SandboxSettings;
import io.imagebatch.testsupport.ProviderFactories;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.support.StaticListableBeanFactory;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import org.springframework.core.io.ClassPathResource;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.jdbc.datasource.init.ResourceDatabasePopulator;
import tools.jackson.databind.json.JsonMapper;

/**
 * Reconciling UNCERTAIN rows at HiAPI, against the sandbox's task list over real HTTP and a real H2 ledger: a row
 * adopts only a task made from its request inside its create window and held by no ledger row of any batch.
 */
class UncertainRowReconcilerTest {

    private static final String BATCH = "recon-0123456789ab";
    private static final String OTHER = "other-ba9876543210";
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private HikariDataSource dataSource;
    private TaskLedger ledger;
    private SandboxProvider sandbox;
    private ProviderRegistry providers;
    private UncertainRowReconciler reconciler;
    private final Clock clock = Clock.systemUTC();

    @BeforeEach
    void start() {
        dataSource = new HikariDataSource();
        dataSource.setJdbcUrl("jdbc:h2:mem:recon-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
        dataSource.setUsername("sa");
        new ResourceDatabasePopulator(new ClassPathResource("db/ledger-schema.sql")).execute(dataSource);
        JdbcClient jdbc = JdbcClient.create(dataSource);
        new LedgerSchemaUpgrade(jdbc).apply();
        ledger = new TaskLedger(jdbc, new DataSourceTransactionManager(dataSource), clock);
        sandbox = SandboxProvider.start(SandboxSettings.defaults().withSeed(3)
                .withGenerationTime(Duration.ofMillis(50), Duration.ofMillis(100)));
        providers = new ProviderRegistry(new ProvidersProperties(null, null,
                ProviderSettings.of(sandbox.baseUrl(), SandboxProvider.API_KEY), null),
                new StaticListableBeanFactory().getBeanProvider(io.micrometer.core.instrument.MeterRegistry.class),
                ProviderFactories.all());
        JobProperties properties = new Binder(new MapConfigurationPropertySource(Map.of()))
                .bindOrCreate("imagebatch.job", JobProperties.class);
        reconciler = new UncertainRowReconciler(providers, ledger, properties, clock);
    }

    @AfterEach
    void stop() {
        sandbox.close();
        dataSource.close();
    }

    private static ImageRequest request(String prompt) {
        return new ImageRequest("hiapi", HiApiAdapter.MODEL, prompt, "auto", "1K", "png", List.of());
    }

    private String create(ImageRequest request) {
        ProviderAdapter hiapi = providers.find("hiapi").orElseThrow();
        return hiapi.createTask(request, null);
    }

    /** A row of {@code batchId} whose create of {@code request} got no answer, with that create window. */
    private void uncertainRow(String batchId, long rowNum, ImageRequest request, long windowStart, long windowEnd) {
        ledger.insertIntent(batchId, rowNum, "R" + rowNum, "hiapi", HiApiAdapter.MODEL, request.prompt(),
                JSON.writeValueAsString(request));
        ledger.markUncertain(batchId, rowNum, "no answer", windowStart, windowEnd);
    }

    private LedgerEntry row(long rowNum) {
        return ledger.find(BATCH, rowNum).orElseThrow();
    }

    @Test
    void aTaskWithTheSamePromptMadeBeforeTheRowsRequestLeftIsNotAdopted() {
        ImageRequest fox = request("a red fox in the snow");
        String earlier = create(fox); // an earlier attempt's task, or a run of another catalogue
        long later = clock.millis() + Duration.ofMinutes(5).toMillis();
        uncertainRow(BATCH, 1, fox, later, later + 3_000);
        ImageRequest owl = request("a white owl at night");
        long from = clock.millis();
        String ownTask = create(owl);
        uncertainRow(BATCH, 2, owl, from, clock.millis());

        assertThat(reconciler.reconcile(BATCH)).isEqualTo(1);

        assertThat(row(1).state()).as("row 1 must not adopt %s, made before its window", earlier)
                .isEqualTo(RowState.UNCERTAIN);
        assertThat(row(2).state()).isEqualTo(RowState.SUBMITTED);
        assertThat(row(2).taskId()).isEqualTo(ownTask);
    }

    @Test
    void aTaskAnotherBatchHoldsIsNotAdoptedEvenInsideTheWindow() {
        ImageRequest fox = request("a red fox in the snow");
        long from = clock.millis();
        String othersTask = create(fox);
        ledger.insertIntent(OTHER, 1, "R1", "hiapi", HiApiAdapter.MODEL, fox.prompt(), JSON.writeValueAsString(fox));
        ledger.markSubmitted(OTHER, 1, othersTask, clock.millis(), clock.millis(), clock.millis() + 60_000);
        uncertainRow(BATCH, 1, fox, from, clock.millis());

        assertThat(reconciler.reconcile(BATCH)).isZero();
        assertThat(row(1).state()).as("row 1 must not adopt %s, which batch %s holds", othersTask, OTHER)
                .isEqualTo(RowState.UNCERTAIN);

        // the row's own task, once listed, is adopted
        String ownTask = create(fox);
        jdbcWindowEnd(1, clock.millis());
        assertThat(reconciler.reconcile(BATCH)).isEqualTo(1);
        assertThat(row(1).taskId()).isEqualTo(ownTask);
    }

    private void jdbcWindowEnd(long rowNum, long end) {
        JdbcClient.create(dataSource).sql("UPDATE IB_TASK_LEDGER SET CREATE_WINDOW_END = ? WHERE BATCH_ID = ?"
                + " AND ROW_NUM = ?").params(end, BATCH, rowNum).update();
    }

    @Test
    void aRowWithoutARecordedCreateWindowStaysUncertain() {
        ImageRequest fox = request("a red fox in the snow");
        create(fox);
        ledger.insertIntent(BATCH, 1, "R1", "hiapi", HiApiAdapter.MODEL, fox.prompt(), JSON.writeValueAsString(fox));
        ledger.markUncertain(BATCH, 1, "made UNCERTAIN by an older version");

        assertThat(reconciler.reconcile(BATCH)).isZero();
        assertThat(row(1).state()).isEqualTo(RowState.UNCERTAIN);
    }

    @Test
    void twoUncertainVariantsOfARowAdoptTwoDifferentTasksNeverTheSameOneTwice() {
        ImageRequest fox = request("a red fox in the snow");
        long from = clock.millis();
        String firstTask = create(fox);
        for (int variant = 1; variant <= 2; variant++) {
            // the same request for both variants of row 1 (README.md, Variants), each its own create window
            ledger.insertIntent(BATCH, 1, variant, "R1", "hiapi", HiApiAdapter.MODEL, fox.prompt(),
                    JSON.writeValueAsString(fox));
            ledger.markUncertain(BATCH, 1, variant, "no answer", from, clock.millis());
        }

        assertThat(reconciler.reconcile(BATCH)).as("one task listed: one variant adopts it").isEqualTo(1);
        List<LedgerEntry> variants = List.of(ledger.find(BATCH, 1, 1).orElseThrow(),
                ledger.find(BATCH, 1, 2).orElseThrow());
        assertThat(variants).extracting(LedgerEntry::taskId).containsOnlyOnce(firstTask);
        assertThat(variants).extracting(LedgerEntry::state)
                .containsExactlyInAnyOrder(RowState.SUBMITTED, RowState.UNCERTAIN);

        String secondTask = create(fox);
        JdbcClient.create(dataSource).sql("UPDATE IB_TASK_LEDGER SET CREATE_WINDOW_END = ? WHERE BATCH_ID = ?"
                + " AND STATE = 'UNCERTAIN'").params(clock.millis(), BATCH).update();

        assertThat(reconciler.reconcile(BATCH)).isEqualTo(1);
        assertThat(List.of(ledger.find(BATCH, 1, 1).orElseThrow().taskId(), ledger.find(BATCH, 1, 2).orElseThrow()
                .taskId())).containsExactlyInAnyOrder(firstTask, secondTask);
    }
}
