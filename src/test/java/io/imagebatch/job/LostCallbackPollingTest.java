package io.imagebatch.job;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import io.imagebatch.callback.CallbackProperties;
import io.imagebatch.callback.TaskEndedByCallback;
import io.imagebatch.ledger.LedgerEntry;
import io.imagebatch.ledger.LedgerSchemaUpgrade;
import io.imagebatch.ledger.RowState;
import io.imagebatch.ledger.TaskLedger;
import io.imagebatch.provider.ImageRequest;
import io.imagebatch.provider.ProviderRegistry;
import io.imagebatch.provider.ProviderSettings;
import io.imagebatch.provider.ProvidersProperties;
import io.imagebatch.sandbox.SandboxProvider;
import io.imagebatch.sandbox.SandboxSettings;
import io.imagebatch.testsupport.TestClock;
import io.imagebatch.testsupport.ProviderFactories;
import java.net.URI;
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

/**
 * Fallback polling for callbacks that never come (docs/design.md, Callbacks): with callbacks on, a task is
 * queried only once it has run longer than the generation times seen so far in the batch (learnt from the
 * callbacks that did come), not after a fixed wait. Time is the test's clock; the task is real, at the sandbox,
 * over HTTP, and the ledger is a real H2 database.
 */
class LostCallbackPollingTest {

    private static final String BATCH = "lost-0123456789ab";
    private static final String MODEL = "nano-banana-pro-flash";

    private HikariDataSource dataSource;
    private TaskLedger ledger;
    private SandboxProvider sandbox;
    private ProviderRegistry providers;
    private final TestClock clock = new TestClock(System.currentTimeMillis());
    private final JobProperties properties = new Binder(new MapConfigurationPropertySource(Map.of()))
            .bindOrCreate("imagebatch.job", JobProperties.class);
    /** Callbacks on (the base URL is never called here), with the default overdue grace, 1 s. */
    private final CallbackProperties callbacks = new CallbackProperties(URI.create("http://127.0.0.1:1"));
    private final PollSchedule schedule = new PollSchedule(properties, callbacks, clock);
    private TaskPoller poller;

    @BeforeEach
    void start() {
        dataSource = new HikariDataSource();
        dataSource.setJdbcUrl("jdbc:h2:mem:lost-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
        dataSource.setUsername("sa");
        new ResourceDatabasePopulator(new ClassPathResource("db/ledger-schema.sql")).execute(dataSource);
        JdbcClient jdbc = JdbcClient.create(dataSource);
        new LedgerSchemaUpgrade(jdbc).apply();
        ledger = new TaskLedger(jdbc, new DataSourceTransactionManager(dataSource), clock);
        // the sandbox's task ends at once: whenever it is queried, it has succeeded
        sandbox = SandboxProvider.start(SandboxSettings.defaults().withSeed(5)
                .withGenerationTime(Duration.ZERO, Duration.ZERO));
        providers = new ProviderRegistry(new ProvidersProperties(ProviderSettings.of(sandbox.baseUrl(),
                SandboxProvider.API_KEY), null, null, null),
                new StaticListableBeanFactory().getBeanProvider(io.micrometer.core.instrument.MeterRegistry.class),
                ProviderFactories.all());
        poller = new TaskPoller(BATCH, providers, ledger, properties, clock, schedule, callbacks);
    }

    @AfterEach
    void stop() {
        sandbox.close();
        dataSource.close();
    }

    /** A task created now at the sandbox, whose callback will never come, scheduled as the submit step does. */
    private void submitTaskWhoseCallbackIsLost(long rowNum) {
        String taskId = providers.find("liangxin").orElseThrow().createTask(new ImageRequest("liangxin", MODEL,
                "a chair number " + rowNum, "1:1", "1K", "png", List.of()), null);
        long now = clock.millis();
        ledger.insertIntent(BATCH, rowNum, "R" + rowNum, "liangxin", MODEL, "a chair number " + rowNum, "{}");
        ledger.markSubmitted(BATCH, rowNum, taskId, now,
                now + schedule.nextDelayMillis(PollSchedule.key("liangxin", MODEL), 0, true),
                now + properties.taskDeadline().toMillis());
    }

    /** One pass of the poll step at the test clock's time; returns the rows it queried. */
    private int pollPass() {
        List<LedgerEntry> due = poller.due(clock.millis(), 100);
        due.forEach(poller::run);
        return due.size();
    }

    @Test
    void aTaskWhoseCallbackIsLostIsPolledOnceOverdueByTheGenerationTimesSeenNotAfterAFixedWait() {
        submitTaskWhoseCallbackIsLost(1); // before any generation time is known: the 30 s floor
        // the callbacks of the batch's other tasks came: each took 1.6 s to 1.98 s from create to callback
        for (int i = 0; i < 20; i++) {
            schedule.taskEndedByCallback(new TaskEndedByCallback(BATCH, "liangxin", MODEL, 1600 + 20 * i, true));
        }
        // overdue = the 0.99 quantile of those times (1.98 s) + the grace (1 s): 2.98 s after the create, but only
        // once the first task has had twice 1.98 s to end (the first times seen are the quick ones)
        clock.advance(3_000);
        assertThat(pollPass()).as("the times seen are not trusted yet").isZero();
        clock.advance(1_000);
        assertThat(pollPass()).as("row 1 brought forward from the 30 s floor: overdue since 2.98 s").isEqualTo(1);
        assertThat(sandbox.stats().statusQueries()).isEqualTo(1);

        submitTaskWhoseCallbackIsLost(2); // scheduled at once by what is known
        clock.advance(2_900);
        assertThat(pollPass()).as("not overdue yet: its callback may still come").isZero();
        clock.advance(80);
        assertThat(pollPass()).isEqualTo(1);

        assertThat(sandbox.stats().statusQueries()).isEqualTo(2);
        assertThat(ledger.find(BATCH, 1).orElseThrow().state()).isEqualTo(RowState.GENERATED);
        assertThat(ledger.find(BATCH, 2).orElseThrow().state()).isEqualTo(RowState.GENERATED);
    }

    @Test
    void beforeAnyGenerationTimeIsKnownATaskThatWillCallBackWaitsForTheConfiguredFloor() {
        submitTaskWhoseCallbackIsLost(1);

        clock.advance(properties.pollCallbackFallback().toMillis() - 1);
        assertThat(pollPass()).isZero();
        clock.advance(1);
        assertThat(pollPass()).isEqualTo(1);
        assertThat(ledger.find(BATCH, 1).orElseThrow().state()).isEqualTo(RowState.GENERATED);
    }
}
