package io.imagebatch.job;

import static io.imagebatch.testsupport.Proxies.invoke;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import com.zaxxer.hikari.HikariDataSource;
import io.imagebatch.callback.CallbackProperties;
import io.imagebatch.ledger.BatchRegistry;
import io.imagebatch.ledger.LedgerSchemaUpgrade;
import io.imagebatch.ledger.LockLostException;
import io.imagebatch.ledger.RowState;
import io.imagebatch.ledger.TaskLedger;
import io.imagebatch.provider.ImageRequest;
import io.imagebatch.provider.ProviderAdapter;
import io.imagebatch.provider.ProviderRegistry;
import io.imagebatch.provider.ProviderSettings;
import io.imagebatch.provider.ProvidersProperties;
import io.imagebatch.sandbox.SandboxProvider;
import io.imagebatch.sandbox.SandboxSettings;
import io.imagebatch.storage.DownloadProperties;
import io.imagebatch.storage.FileOutputStore;
import io.imagebatch.storage.ImageDownloader;
import io.imagebatch.storage.OutputLocation;
import io.imagebatch.testsupport.ProviderFactories;
import io.imagebatch.testsupport.TestClock;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.step.StepContribution;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.batch.test.MetaDataInstanceFactory;
import org.springframework.beans.factory.support.StaticListableBeanFactory;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import org.springframework.core.io.ClassPathResource;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.jdbc.datasource.init.ResourceDatabasePopulator;

/**
 * The commits a pass of the poll and download steps makes (README.md, Performance, "A million rows"): with the
 * crash-safe H2 settings every commit is a write to the database file, so a pass of 100 rows that commits once
 * per row spends most of its time there. A pass records its rows' outcomes in one fenced transaction. The tasks
 * are real, at the sandbox over HTTP; the ledger is a real H2 database whose commits are counted at the JDBC
 * connection (a commit call, or a write outside a transaction). Nothing is timed.
 */
class LedgerPassCommitsTest {

    private static final String BATCH = "commits-0123456789ab";
    private static final String MODEL = "nano-banana-pro-flash";
    private static final int ROWS = 100;

    @TempDir
    Path work;

    private final AtomicInteger commits = new AtomicInteger();
    private HikariDataSource plain;
    private JdbcClient jdbc;
    private DataSourceTransactionManager transactions;
    private BatchRegistry batches;
    private TaskLedger ledger;
    private SandboxProvider sandbox;
    private ProviderRegistry providers;
    private final TestClock clock = new TestClock(System.currentTimeMillis());
    private final JobProperties properties = new Binder(new MapConfigurationPropertySource(Map.of()))
            .bindOrCreate("imagebatch.job", JobProperties.class);
    private final PipelineState pipeline = new PipelineState(null);
    private final JobExecution job = MetaDataInstanceFactory.createJobExecution(17L);
    private final ExecutorService workers = Executors.newFixedThreadPool(8);

    @BeforeEach
    void start() {
        plain = new HikariDataSource();
        plain.setJdbcUrl("jdbc:h2:mem:commits-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
        plain.setUsername("sa");
        DataSource counting = counting(plain);
        new ResourceDatabasePopulator(new ClassPathResource("db/ledger-schema.sql")).execute(counting);
        jdbc = JdbcClient.create(counting);
        new LedgerSchemaUpgrade(jdbc).apply();
        transactions = new DataSourceTransactionManager(counting);
        batches = new BatchRegistry(jdbc, transactions, clock);
        ledger = new TaskLedger(jdbc, transactions, clock, batches);
        batches.recordBatch(BATCH, "{}");
        batches.takeFence(BATCH, "this test"); // every write is fenced, as in a run
        // tasks that have succeeded whenever they are queried; one plain image each
        sandbox = SandboxProvider.start(SandboxSettings.defaults().withSeed(7)
                .withGenerationTime(Duration.ZERO, Duration.ZERO).withPlainImages(true));
        providers = new ProviderRegistry(new ProvidersProperties(ProviderSettings.of(sandbox.baseUrl(),
                SandboxProvider.API_KEY), null, null, null),
                new StaticListableBeanFactory().getBeanProvider(io.micrometer.core.instrument.MeterRegistry.class),
                ProviderFactories.all());
    }

    @AfterEach
    void stop() {
        workers.shutdownNow();
        sandbox.close();
        plain.close();
    }

    /** {@code ROWS} tasks created at the sandbox and recorded as the submit step records them, due now. */
    private void submitted() {
        ProviderAdapter adapter = providers.find("liangxin").orElseThrow();
        long now = clock.millis();
        for (long row = 1; row <= ROWS; row++) {
            String taskId = adapter.createTask(new ImageRequest("liangxin", MODEL, "a chair number " + row, "1:1",
                    "1K", "png", List.of()), null);
            ledger.insertIntent(BATCH, row, "R" + row, "liangxin", MODEL, "a chair number " + row, "{}");
            ledger.markSubmitted(BATCH, row, taskId, now, now, now + properties.taskDeadline().toMillis());
        }
    }

    private LedgerPassTasklet pollStep() {
        return new LedgerPassTasklet(PipelineSteps.SUBMIT, new TaskPoller(BATCH, providers, ledger, properties, clock,
                new PollSchedule(properties), new CallbackProperties(null)), pipeline, pipeline::awaitChange, clock,
                ROWS, workers);
    }

    private LedgerPassTasklet downloadStep(FileOutputStore store) {
        return new LedgerPassTasklet(PipelineSteps.POLL, new ResultDownloader(BATCH, ledger, providers,
                new ImageDownloader(DownloadProperties.defaults().withAllowPrivateNetworks(true)), store, properties,
                clock), pipeline, pipeline::awaitChange, clock, ROWS, workers);
    }

    private StepContribution contribution(String step) {
        return new StepContribution(new StepExecution(3L, step, job));
    }

    private long rowsIn(RowState state) {
        return jdbc.sql("SELECT COUNT(*) FROM IB_TASK_LEDGER WHERE BATCH_ID = ? AND STATE = ?")
                .params(BATCH, state.name()).query(Long.class).single();
    }

    @Test
    void aPollPassOfAHundredSucceededTasksRecordsThemInOneCommit() throws Exception {
        submitted();
        LedgerPassTasklet poll = pollStep();
        commits.set(0);

        poll.execute(contribution("poll"), null);

        assertThat(rowsIn(RowState.GENERATED)).as("every task of the pass succeeded").isEqualTo(ROWS);
        assertThat(sandbox.stats().statusQueries()).isEqualTo(ROWS);
        assertThat(commits.get()).as("commits for a poll pass of %d rows", ROWS).isLessThanOrEqualTo(2);
    }

    @Test
    void aDownloadPassOfAHundredImagesRecordsThemStoredInOneCommitAfterTheyAreInTheStore() throws Exception {
        submitted();
        pollStep().execute(contribution("poll"), null);
        assertThat(rowsIn(RowState.GENERATED)).isEqualTo(ROWS);
        try (FileOutputStore store = new FileOutputStore(OutputLocation.parse("file:" + work.resolve("out")))) {
            LedgerPassTasklet download = downloadStep(store);
            commits.set(0);

            download.execute(contribution("download"), null);

            assertThat(commits.get()).as("commits for a download pass of %d rows", ROWS).isLessThanOrEqualTo(2);
        }
        assertThat(rowsIn(RowState.STORED)).isEqualTo(ROWS);
        // each STORED row's image is where the ledger says, with the bytes it says
        List<String> uris = jdbc.sql("SELECT OUTPUT_URI FROM IB_TASK_LEDGER WHERE BATCH_ID = ? AND STATE = 'STORED'"
                + " AND BYTES > 0 AND SHA256 IS NOT NULL").param(BATCH).query(String.class).list();
        assertThat(uris).hasSize(ROWS);
        try (var files = Files.list(work.resolve("out").resolve(BATCH))) {
            assertThat(files.filter(f -> f.getFileName().toString().startsWith("R")).count()).isEqualTo(ROWS);
        }
    }

    @Test
    void aPassWhoseLockWasTakenByAnotherProcessWritesNoneOfItsAnswers() throws Exception {
        submitted();
        LedgerPassTasklet poll = pollStep();
        // another process takes the batch's lock (a new generation in the database); this one still holds its old
        new BatchRegistry(JdbcClient.create(plain), new DataSourceTransactionManager(plain), clock)
                .takeFence(BATCH, "another process");

        assertThatThrownBy(() -> poll.execute(contribution("poll"), null))
                .isInstanceOfAny(LockLostException.class, CompletionException.class);

        assertThat(rowsIn(RowState.SUBMITTED)).as("no answer of the pass was written").isEqualTo(ROWS);
        assertThat(rowsIn(RowState.GENERATED)).isZero();
    }

    /** The data source, with each commit counted: a commit call, or a write on a connection in auto-commit. */
    private DataSource counting(DataSource target) {
        return (DataSource) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {DataSource.class},
                (proxy, method, args) -> {
                    Object result = invoke(target, method, args);
                    return result instanceof Connection c ? counting(c) : result;
                });
    }

    private Connection counting(Connection connection) {
        return (Connection) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {Connection.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("commit")) {
                        commits.incrementAndGet();
                    }
                    Object result = invoke(connection, method, args);
                    if (result instanceof Statement s) {
                        Class<?> type = result instanceof java.sql.PreparedStatement
                                ? java.sql.PreparedStatement.class : Statement.class;
                        return Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {type},
                                (p, m, a) -> {
                                    if (isWrite(m) && connection.getAutoCommit()) {
                                        commits.incrementAndGet();
                                    }
                                    return invoke(s, m, a);
                                });
                    }
                    return result;
                });
    }

    /** A statement call that may write: an update, a batch, or an execute (a SELECT through execute counts too). */
    private static boolean isWrite(Method method) {
        return method.getName().startsWith("executeUpdate") || method.getName().startsWith("executeLargeUpdate")
                || method.getName().equals("executeBatch") || method.getName().equals("execute");
    }

}
