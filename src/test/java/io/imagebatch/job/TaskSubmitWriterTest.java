package io.imagebatch.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.zaxxer.hikari.HikariDataSource;
import io.imagebatch.callback.CallbackProperties;
import io.imagebatch.callback.CallbackUrls;
import io.imagebatch.catalogue.CatalogueRow;
import io.imagebatch.ledger.LedgerBudget;
import io.imagebatch.ledger.LedgerEntry;
import io.imagebatch.ledger.LedgerSchemaUpgrade;
import io.imagebatch.ledger.RowState;
import io.imagebatch.ledger.TaskIdJournal;
import io.imagebatch.ledger.BatchRegistry;
import io.imagebatch.ledger.TaskLedger;
import io.imagebatch.provider.ImageRequest;
import io.imagebatch.provider.ProviderRegistry;
import io.imagebatch.provider.ProviderSettings;
import io.imagebatch.provider.ProvidersProperties;
import io.imagebatch.testsupport.ProviderFactories;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.batch.infrastructure.item.Chunk;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import org.springframework.core.io.ClassPathResource;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.jdbc.datasource.init.ResourceDatabasePopulator;

/**
 * The submit step's writer against a real H2 ledger and a scripted loopback server that answers LiangXin's create
 * call ({@code {"code":200,"msg":"success","data":{"taskId":...}}}): when a row's intent is taken, what happens
 * to a taskId the database cannot take, and what a chunk that fails before its requests leave leaves behind.
 */
class TaskSubmitWriterTest {

    private static final String BATCH = "writer-0123456789ab";
    private static final String CREATE_PATH = "/api/v1/jobs/createTask";

    @TempDir
    Path work;

    private HikariDataSource dataSource;
    private JdbcClient jdbc;
    private DataSourceTransactionManager transactions;
    private HttpServer server;
    private ExecutorService workers;
    /** Create requests received, in order. */
    private final AtomicInteger creates = new AtomicInteger();
    /** Run for every create request before it is answered, with the request's number (1 for the first). */
    private volatile IntConsumer onCreate = n -> { };
    /** The HTTP status of each create answer, by the request's number; 200 answers with a taskId. */
    private volatile java.util.function.IntUnaryOperator createStatus = n -> 200;

    @BeforeEach
    void start() throws IOException {
        dataSource = new HikariDataSource();
        dataSource.setJdbcUrl("jdbc:h2:mem:writer-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
        dataSource.setUsername("sa");
        dataSource.setMaximumPoolSize(8);
        new ResourceDatabasePopulator(new ClassPathResource("db/ledger-schema.sql")).execute(dataSource);
        jdbc = JdbcClient.create(dataSource);
        new LedgerSchemaUpgrade(jdbc).apply();
        transactions = new DataSourceTransactionManager(dataSource);
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext(CREATE_PATH, this::answerCreate);
        server.setExecutor(Executors.newFixedThreadPool(4));
        server.start();
        workers = Executors.newFixedThreadPool(4);
    }

    @AfterEach
    void stop() {
        server.stop(0);
        workers.shutdownNow();
        dataSource.close();
    }

    private void answerCreate(HttpExchange exchange) throws IOException {
        try (exchange) {
            exchange.getRequestBody().readAllBytes();
            int n = creates.incrementAndGet();
            onCreate.accept(n);
            int status = createStatus.applyAsInt(n);
            if (status != 200) {
                exchange.sendResponseHeaders(status, -1);
                return;
            }
            byte[] body = ("{\"code\":200,\"msg\":\"success\",\"data\":{\"taskId\":\"task-" + n + "\"}}")
                    .getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
    }

    private static JobProperties jobProperties() {
        return new Binder(new MapConfigurationPropertySource(Map.of("imagebatch.job.create-attempts", "2")))
                .bindOrCreate("imagebatch.job", JobProperties.class);
    }

    /** LiangXin at the loopback server, at most {@code maxInFlight} requests at once. */
    private ProviderRegistry providers(int maxInFlight) {
        ProviderSettings liangxin = new ProviderSettings(URI.create("http://127.0.0.1:" + server.getAddress().getPort()),
                "test-key", null, null, null, null, null, null, maxInFlight);
        return new ProviderRegistry(new ProvidersProperties(liangxin, null, null, null), noMeters(),
                ProviderFactories.all());
    }

    @SuppressWarnings("unchecked")
    private static <T> ObjectProvider<T> noMeters() {
        return new org.springframework.beans.factory.support.StaticListableBeanFactory().getBeanProvider(
                (Class<T>) io.micrometer.core.instrument.MeterRegistry.class);
    }

    private TaskSubmitWriter writer(TaskLedger ledger, int maxInFlight, CallbackUrls callbackUrls) {
        JobProperties properties = jobProperties();
        return new TaskSubmitWriter(BATCH, providers(maxInFlight), ledger, properties, workers, Clock.systemUTC(),
                callbackUrls, new PollSchedule(properties), new TaskIdJournal(work.resolve("journal"), ledger));
    }

    private TaskSubmitWriter writer(TaskLedger ledger, int maxInFlight) {
        return writer(ledger, maxInFlight, new CallbackUrls(new CallbackProperties(null),
                new BatchRegistry(jdbc, transactions, Clock.systemUTC())));
    }

    private static Chunk<SubmitItem> rows(int count) {
        List<SubmitItem> items = new ArrayList<>();
        for (int i = 1; i <= count; i++) {
            CatalogueRow row = new CatalogueRow(i, "R" + i, "a red bicycle number " + i, null, null, null, null, null,
                    List.of(), null);
            items.add(SubmitItem.send(row, new ImageRequest("liangxin", "nano-banana-pro-flash", row.prompt(), "1:1",
                    "1K", "png", List.of())));
        }
        return new Chunk<>(items);
    }

    private TaskLedger ledger() {
        return new TaskLedger(jdbc, transactions, Clock.systemUTC());
    }

    private long lines(String state) {
        return jdbc.sql("SELECT COUNT(*) FROM IB_TASK_LEDGER WHERE BATCH_ID = ? AND STATE = ?")
                .params(BATCH, state).query(Long.class).single();
    }

    private long lines() {
        return jdbc.sql("SELECT COUNT(*) FROM IB_TASK_LEDGER WHERE BATCH_ID = ?").param(BATCH)
                .query(Long.class).single();
    }

    // ---- when the intent is taken ----

    @Test
    void aRowStillWaitingForItsTurnAtTheProviderHasNoLedgerLineYet() throws Exception {
        TaskLedger ledger = ledger();
        List<String> seen = new CopyOnWriteArrayList<>();
        // one request at a time: while request n is on the wire, at most n rows may have a ledger line
        onCreate = n -> {
            long withLine = lines();
            if (withLine > n) {
                seen.add("create " + n + ": " + withLine + " rows already in the ledger (" + lines("SUBMITTING")
                        + " SUBMITTING)");
            }
        };

        writer(ledger, 1).write(rows(6));

        assertThat(seen).as("rows whose intent was taken before their request left").isEmpty();
        assertThat(creates.get()).isEqualTo(6);
        assertThat(lines("SUBMITTED")).isEqualTo(6);
    }

    @Test
    void aBusyCreateIsTriedAgainAfterTheBackoffItsSleeperTakes() throws Exception {
        TaskLedger ledger = ledger();
        createStatus = n -> n == 1 ? 503 : 200; // the first create: busy, no task made
        List<Long> pauses = new CopyOnWriteArrayList<>();

        writer(ledger, 1).backoffWith(pauses::add).write(rows(1));

        assertThat(pauses).as("one backoff pause, ms, between the busy answer and the next attempt")
                .containsExactly(jobProperties().backoffMillis(1, null));
        assertThat(creates.get()).isEqualTo(2);
        assertThat(ledger.find(BATCH, 1)).get().extracting(LedgerEntry::state, LedgerEntry::taskId)
                .containsExactly(RowState.SUBMITTED, "task-2");
    }

    // ---- a chunk that fails before its requests leave ----

    @Test
    void aChunkWhoseCallbackUrlCannotBeReadLeavesNoRowSubmittingAndSendsNothing() throws Exception {
        TaskLedger ledger = ledger();
        BatchRegistry registry = new BatchRegistry(jdbc, transactions, Clock.systemUTC()) {
            @Override
            public String callbackToken(String batchId) {
                throw new DataAccessResourceFailureException("the database is down");
            }
        };
        CallbackUrls callbacks = new CallbackUrls(new CallbackProperties(URI.create("https://hooks.example.com")),
                registry);

        assertThatThrownBy(() -> writer(ledger, 4, callbacks).write(rows(5)))
                .isInstanceOf(DataAccessResourceFailureException.class);

        assertThat(creates.get()).isZero();
        assertThat(lines("SUBMITTING")).as("rows left in flight though nothing was sent").isZero();
        // the resumed chunk sends every row
        writer(ledger(), 4).write(rows(5));
        assertThat(lines("SUBMITTED")).isEqualTo(5);
        assertThat(creates.get()).isEqualTo(5);
    }

    @Test
    void anIntentThatCannotBeWrittenFailsTheChunkWithoutStrandingTheOtherRows() throws Exception {
        TaskLedger ledger = new TaskLedger(jdbc, transactions, Clock.systemUTC()) {
            private final LedgerBudget failingIntent = new LedgerBudget(this, new SimpleMeterRegistry()) {
                @Override
                public Intent reserveIntent(String batchId, long rowNum, int variant, String rowId, String provider,
                        String model, String prompt, String request, java.math.BigDecimal cost,
                        boolean dailySpentMoves) {
                    if (rowNum == 3) {
                        throw new DataAccessResourceFailureException("the database is down");
                    }
                    return super.reserveIntent(batchId, rowNum, variant, rowId, provider, model, prompt, request,
                            cost, dailySpentMoves);
                }
            };

            @Override
            public LedgerBudget budget() {
                return failingIntent;
            }
        };

        assertThatThrownBy(() -> writer(ledger, 4).write(rows(5)))
                .isInstanceOf(DataAccessResourceFailureException.class);

        assertThat(lines("SUBMITTING")).as("rows left in flight though nothing was sent").isZero();
        assertThat(ledger().find(BATCH, 3)).isEmpty();
        assertThat(lines()).as("every ledger line is a request that left").isEqualTo(creates.get());
        writer(ledger(), 4).write(rows(5));
        assertThat(lines("SUBMITTED")).isEqualTo(5);
        assertThat(creates.get()).as("each row sent once").isEqualTo(5);
    }

    // ---- a taskId the database cannot take ----

    /** A ledger whose {@code markSubmitted} fails the first {@code failures} times, as a database that is down. */
    private TaskLedger ledgerFailingMarkSubmitted(int failures) {
        AtomicInteger left = new AtomicInteger(failures);
        return new TaskLedger(jdbc, transactions, Clock.systemUTC()) {
            @Override
            public void markSubmitted(String batchId, long rowNum, int variant, String taskId, long submittedAt,
                    long nextCheckAt, long deadlineAt) {
                if (left.getAndDecrement() > 0) {
                    throw new DataAccessResourceFailureException("Connection is not available (the database is down)");
                }
                super.markSubmitted(batchId, rowNum, variant, taskId, submittedAt, nextCheckAt, deadlineAt);
            }
        };
    }

    @Test
    void aTaskIdTheLedgerRefusesForAMomentIsRecordedByARetryNotMadeUncertain() throws Exception {
        TaskLedger ledger = ledgerFailingMarkSubmitted(2);

        writer(ledger, 1).write(rows(1));

        LedgerEntry row = ledger().find(BATCH, 1).orElseThrow();
        assertThat(row.state()).isEqualTo(RowState.SUBMITTED);
        assertThat(row.taskId()).isEqualTo("task-1");
        assertThat(creates.get()).isEqualTo(1);
    }

    @Test
    void aTaskIdReturnedWhileTheDatabaseIsDownIsJournalledAndReplayedAtTheNextStart() throws Exception {
        TaskLedger down = ledgerFailingMarkSubmitted(Integer.MAX_VALUE);

        assertThatThrownBy(() -> writer(down, 1).write(rows(1)))
                .isInstanceOf(BatchStoppedException.class)
                .hasMessageContaining("task-1")
                .hasMessageContaining(TaskIdJournal.FILE_NAME);

        TaskIdJournal journal = new TaskIdJournal(work.resolve("journal"), ledger());
        assertThat(journal.entries()).singleElement()
                .extracting(TaskIdJournal.Entry::batchId, TaskIdJournal.Entry::rowNum, TaskIdJournal.Entry::taskId)
                .containsExactly(BATCH, 1L, "task-1");
        assertThat(ledger().find(BATCH, 1).orElseThrow().taskId()).isNull();

        // the next start: the journal goes into the ledger before anything else
        journal.afterPropertiesSet();

        LedgerEntry row = ledger().find(BATCH, 1).orElseThrow();
        assertThat(row.state()).isEqualTo(RowState.SUBMITTED);
        assertThat(row.taskId()).isEqualTo("task-1");
        assertThat(row.nextCheckAt()).isNotNull();
        assertThat(journal.entries()).isEmpty();
        // the resumed chunk does not send the row again
        writer(ledger(), 1).write(rows(1));
        assertThat(creates.get()).isEqualTo(1);
    }

    // ---- variants (README.md, Variants) ----

    @Test
    void eachVariantOfARowIsCreatedOnceAsItsOwnLedgerEntry() throws Exception {
        writer(ledger(), 4).write(variants(rows(3), 2));

        assertThat(creates.get()).isEqualTo(6);
        assertThat(lines("SUBMITTED")).isEqualTo(6);
        java.util.Set<String> taskIds = new java.util.HashSet<>();
        for (long row = 1; row <= 3; row++) {
            for (int variant = 1; variant <= 2; variant++) {
                LedgerEntry entry = ledger().find(BATCH, row, variant).orElseThrow();
                assertThat(entry.variant()).isEqualTo(variant);
                taskIds.add(entry.taskId());
            }
        }
        assertThat(taskIds).hasSize(6);
        // read again (a restart, or the next round): nothing is sent twice
        writer(ledger(), 4).write(variants(rows(3), 2));
        assertThat(creates.get()).isEqualTo(6);
    }

    @Test
    void aChunkWrittenAgainAfterACrashCreatesNoVariantTwice() throws Exception {
        // what a run killed in the middle of a chunk of 3 rows x 2 variants leaves: row 1's two tasks recorded,
        // row 2's first variant on the wire (its intent committed, no answer), the rest never sent
        TaskLedger crashed = ledger();
        for (int variant = 1; variant <= 2; variant++) {
            assertThat(crashed.insertIntent(BATCH, 1, variant, "R1", "liangxin", "nano-banana-pro-flash", "p", "{}"))
                    .isTrue();
            crashed.markSubmitted(BATCH, 1, variant, "before-crash-" + variant, 1, 2, Long.MAX_VALUE);
        }
        assertThat(crashed.insertIntent(BATCH, 2, 1, "R2", "liangxin", "nano-banana-pro-flash", "p", "{}")).isTrue();

        writer(ledger(), 4).write(variants(rows(3), 2));

        assertThat(creates.get()).as("only the variants never sent: row 2 variant 2, row 3 variants 1 and 2")
                .isEqualTo(3);
        assertThat(ledger().find(BATCH, 1, 1).orElseThrow().taskId()).isEqualTo("before-crash-1");
        assertThat(ledger().find(BATCH, 1, 2).orElseThrow().taskId()).isEqualTo("before-crash-2");
        assertThat(ledger().find(BATCH, 2, 1).orElseThrow().state()).as("its task may exist: never resent")
                .isEqualTo(RowState.UNCERTAIN);
        assertThat(ledger().find(BATCH, 2, 2).orElseThrow().state()).isEqualTo(RowState.SUBMITTED);
        assertThat(ledger().find(BATCH, 3, 2).orElseThrow().state()).isEqualTo(RowState.SUBMITTED);
        assertThat(lines()).isEqualTo(6);
        // and once more: still nothing twice
        writer(ledger(), 4).write(variants(rows(3), 2));
        assertThat(creates.get()).isEqualTo(3);
    }

    @Test
    void retryFailedCreatesAgainOnlyTheVariantWhoseGenerationFailed() throws Exception {
        writer(ledger(), 4).write(variants(rows(2), 2));
        assertThat(creates.get()).isEqualTo(4);
        // row 2's second variant: the provider reported its generation failed
        ledger().markFailed(BATCH, 2, 2, "failed", "500", "generation failed",
                io.imagebatch.ledger.FailureKind.GENERATION_FAILED);
        String before = ledger().find(BATCH, 2, 1).orElseThrow().taskId();

        assertThat(new io.imagebatch.ledger.LedgerRetries(jdbc, transactions, Clock.systemUTC())
                .startRetryRound(BATCH, false)).isEqualTo(1);
        writer(ledger(), 4).write(variants(rows(2), 2));

        assertThat(creates.get()).as("only row 2 variant 2 is created again").isEqualTo(5);
        LedgerEntry retried = ledger().find(BATCH, 2, 2).orElseThrow();
        assertThat(retried.state()).isEqualTo(RowState.SUBMITTED);
        assertThat(retried.attempt()).isEqualTo(2);
        assertThat(ledger().find(BATCH, 2, 1).orElseThrow().taskId()).isEqualTo(before);
        assertThat(ledger().report().attempts(BATCH, 2, 2)).hasSize(1);
        assertThat(ledger().report().attempts(BATCH, 2, 1)).isEmpty();
    }

    private static Chunk<SubmitItem> variants(Chunk<SubmitItem> rows, int variants) {
        List<SubmitItem> items = new ArrayList<>();
        rows.forEach(item -> items.add(item.withVariants(variants)));
        return new Chunk<>(items);
    }
}
