package io.imagebatch.provider;

import static io.imagebatch.testsupport.Proxies.invoke;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import com.zaxxer.hikari.HikariDataSource;
import io.imagebatch.provider.liangxin.LiangXinAdapter;
import io.imagebatch.sandbox.SandboxProvider;
import io.imagebatch.sandbox.SandboxSettings;
import io.imagebatch.spend.DailyBudgets;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.support.DefaultListableBeanFactory;
import org.springframework.core.io.ClassPathResource;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.init.ResourceDatabasePopulator;

/**
 * One request budget per provider key across processes ({@link RateBuckets}, README, "Finding a provider's rate
 * limit"), on a real database made as every start makes it ({@code db/ledger-schema.sql}): H2
 * ({@link SharedRateBudgetH2Test}) and PostgreSQL ({@link SharedRateBudgetPostgresTest}). Each {@link RateBuckets}
 * on a pool of its own is another process as far as the database is concerned; the requests go over HTTP to the
 * sandbox, whose rate limit answers 429 past its limit. Counts are asserted, not timings.
 */
abstract class SharedRateBudgetContract {

    static final String KEY = "sk-live-0123456789abcdef-secret";
    /** The sandbox's limit, requests a second (a token bucket holding one second's worth). */
    static final double LIMIT = 50;
    static final int REQUESTS = 1_000;
    static final int CALLERS = 16;

    final List<HikariDataSource> opened = new ArrayList<>();
    private final List<RateBuckets> buckets = new ArrayList<>();
    private final List<ExecutorService> pools = new ArrayList<>();

    /** @return a new pool on this test's database: each call is another "process" */
    abstract HikariDataSource openDataSource();

    /**
     * @return whether a lease's statements carry a query timeout of {@link RateBuckets#LEASE_TIMEOUT_MILLIS} on
     *         this database (not on H2, which keeps it as the session's: {@link RateBuckets})
     */
    abstract boolean leaseStatementsHaveATimeout();

    @BeforeEach
    void makeSchema() {
        HikariDataSource first = open();
        ResourceDatabasePopulator script = new ResourceDatabasePopulator(new ClassPathResource("db/ledger-schema.sql"));
        script.execute(first);
        script.execute(first); // as at every start: again without failing
    }

    @AfterEach
    void close() {
        pools.forEach(ExecutorService::shutdownNow);
        buckets.forEach(RateBuckets::destroy);
        opened.forEach(HikariDataSource::close);
    }

    private HikariDataSource open() {
        HikariDataSource source = openDataSource();
        opened.add(source);
        return source;
    }

    /** The shared budgets of another "process": a pool of its own on the same database. */
    RateBuckets process(DataSource pool) {
        DefaultListableBeanFactory beans = new DefaultListableBeanFactory();
        beans.registerSingleton("dataSource", pool);
        ObjectProvider<DataSource> source = beans.getBeanProvider(DataSource.class);
        RateBuckets shared = new RateBuckets(source);
        buckets.add(shared);
        return shared;
    }

    private RateBuckets process() {
        return process(open());
    }

    private static LiangXinAdapter adapter(SandboxProvider sandbox) {
        return new LiangXinAdapter(ProviderSettings.of(sandbox.baseUrl(), SandboxProvider.API_KEY));
    }

    private static final ImageRequest REQUEST = new ImageRequest(LiangXinAdapter.NAME, "nano-banana-pro-flash",
            "a heron at dawn", "1:1", "1K", "png", List.of());

    /**
     * Status queries of one task through each throttle, {@code perThrottle} each from {@value #CALLERS} callers,
     * all at once; a 429 is counted by the sandbox and the caller goes on.
     *
     * @return the time each request was sent, ns of {@link System#nanoTime()}
     */
    private List<Long> queries(LiangXinAdapter adapter, String taskId, int perThrottle, ProviderThrottle... throttles)
            throws Exception {
        ConcurrentLinkedQueue<Long> sent = new ConcurrentLinkedQueue<>();
        List<Future<?>> done = new ArrayList<>();
        for (ProviderThrottle throttle : throttles) {
            ExecutorService callers = Executors.newFixedThreadPool(CALLERS);
            pools.add(callers);
            AtomicInteger left = new AtomicInteger(perThrottle);
            for (int i = 0; i < CALLERS; i++) {
                done.add(callers.submit(() -> {
                    while (left.getAndDecrement() > 0) {
                        try {
                            throttle.call(() -> {
                                sent.add(System.nanoTime());
                                return adapter.queryTask(taskId);
                            });
                        } catch (ProviderException e) {
                            if (e.httpStatus() != 429) {
                                throw e;
                            }
                            // counted by the sandbox; the caller goes on, as the job's retries would
                        }
                    }
                    return null;
                }));
            }
        }
        for (Future<?> each : done) {
            each.get(5, TimeUnit.MINUTES);
        }
        return new ArrayList<>(sent);
    }

    /** @return the requests sent in each whole second since the first, by second */
    private static Map<Long, Integer> perSecond(List<Long> sent) {
        long first = sent.stream().mapToLong(Long::longValue).min().orElse(0);
        Map<Long, Integer> counts = new TreeMap<>();
        for (long at : sent) {
            counts.merge((at - first) / 1_000_000_000L, 1, Integer::sum);
        }
        return counts;
    }

    @Test
    void twoProcessesWithTheSameKeyShareOneBudgetAndStayWithinTheProvidersLimit() throws Exception {
        try (SandboxProvider sandbox = SandboxProvider.start(SandboxSettings.defaults().withRateLimitPerSecond(LIMIT)
                .withRateLimitHeaders(false))) {
            LiangXinAdapter adapter = adapter(sandbox);
            String taskId = adapter.createTask(REQUEST, null);
            // each process is told the key's limit (requests-per-second: 50), as the same job file tells both
            ProviderThrottle one = new ProviderThrottle(LiangXinAdapter.NAME, LIMIT, CALLERS, RateMemory.NONE,
                    process().forKey(LiangXinAdapter.NAME, SandboxProvider.API_KEY));
            ProviderThrottle two = new ProviderThrottle(LiangXinAdapter.NAME, LIMIT, CALLERS, RateMemory.NONE,
                    process().forKey(LiangXinAdapter.NAME, SandboxProvider.API_KEY));

            List<Long> sent = queries(adapter, taskId, REQUESTS / 2, one, two);

            Map<Long, Integer> bySecond = perSecond(sent);
            assertThat(sent).hasSize(REQUESTS);
            assertThat(sandbox.rateLimitAnswers()).as("429s; requests a second: %s", bySecond).isZero();
            assertThat(one.rateLimitedCount() + two.rateLimitedCount()).isZero();
            // a second may hold the rate, plus what the shared bucket held at its start (200 ms of the rate) and
            // what each process had leased before it (100 ms of the rate each); measured: 56, then 50 a second
            assertThat(bySecond.values()).as("requests a second").allSatisfy(count ->
                    assertThat(count).isLessThanOrEqualTo((int) (LIMIT * 1.4)));
            assertThat(sent.size() / (double) bySecond.size()).as("requests a second on average, %s", bySecond)
                    .isLessThanOrEqualTo(LIMIT);
        }
    }

    @Test
    void aProcessAloneLeasesAtMostOnceEveryFiveRequestsAndMeetsNo429() throws Exception {
        try (SandboxProvider sandbox = SandboxProvider.start(SandboxSettings.defaults().withRateLimitPerSecond(LIMIT)
                .withRateLimitHeaders(false))) {
            LiangXinAdapter adapter = adapter(sandbox);
            String taskId = adapter.createTask(REQUEST, null);
            RateBuckets alone = process();
            ProviderThrottle throttle = new ProviderThrottle(LiangXinAdapter.NAME, LIMIT, CALLERS, RateMemory.NONE,
                    alone.forKey(LiangXinAdapter.NAME, SandboxProvider.API_KEY));

            List<Long> sent = queries(adapter, taskId, REQUESTS / 2, throttle);

            assertThat(sent).hasSize(REQUESTS / 2);
            assertThat(sandbox.rateLimitAnswers()).isZero();
            // 100 ms of 50 requests a second is 5 permits a lease: 0.2 leases a request, and a few more when the
            // callers are fewer than a lease (at the end)
            assertThat(alone.leaseCount() / (double) sent.size()).as("leases a request (%d leases)",
                    alone.leaseCount()).isLessThanOrEqualTo(0.21);
        }
    }

    @Test
    void aRateLoweredAfterA429InOneProcessBecomesTheOthersRateAtItsNextLease() {
        RateBuckets first = process();
        ProviderThrottle one = new ProviderThrottle("liangxin", null, 4, RateMemory.NONE,
                first.forKey("liangxin", KEY));
        ProviderThrottle two = new ProviderThrottle("liangxin", null, 4, RateMemory.NONE,
                process().forKey("liangxin", KEY));
        for (int i = 0; i < 40; i++) {
            one.call(() -> "ok"); // answers the provider took: the first 429 lowers the rate to about these
        }
        two.call(() -> "ok");
        assertThat(two.currentRate()).isEqualTo(AimdRate.INITIAL_RATE);

        assertThatThrownBy(() -> one.call(() -> {
            throw new ProviderException(FailureClass.BUSY, 429, null, "liangxin: too many requests", Duration.ZERO,
                    false, null);
        })).isInstanceOf(ProviderException.class);
        double lowered = one.currentRate();
        assertThat(lowered).isLessThan(AimdRate.INITIAL_RATE);
        assertThat(first.flush(30_000)).isTrue();

        // the other process has not met the 429; its next lease (once its leased permits are used) brings it down
        for (int i = 0; i < 1_000 && two.currentRate() > lowered; i++) {
            two.call(() -> "ok");
        }
        assertThat(two.currentRate()).isEqualTo(lowered);
        assertThat(two.rateLimitedCount()).isZero();
    }

    @Test
    void aRetryAfterMetByOneProcessHoldsTheOthersLeasesUntilItHasPassed() {
        RateBuckets first = process();
        ProviderThrottle one = new ProviderThrottle("liangxin", 20.0, 4, RateMemory.NONE,
                first.forKey("liangxin", KEY));
        one.call(() -> "ok");

        assertThatThrownBy(() -> one.call(() -> {
            throw new ProviderException(FailureClass.BUSY, 429, null, "liangxin: too many requests",
                    Duration.ofSeconds(60), false, null);
        })).isInstanceOf(ProviderException.class);
        assertThat(first.flush(30_000)).isTrue();

        SharedBudget.Lease other = process().forKey("liangxin", KEY).lease(1, 20, Double.NaN).orElseThrow();

        assertThat(other.permits()).isZero();
        assertThat(other.waitMicros()).as("the pause left, on the database's clock, µs")
                .isGreaterThan(Duration.ofSeconds(30).toNanos() / 1_000)
                .isLessThanOrEqualTo(Duration.ofSeconds(60).toNanos() / 1_000);
        assertThat(other.rate()).isLessThan(20);
    }

    @Test
    void anotherKeyHasABudgetOfItsOwnAndOnlyTheKeysFingerprintIsStored() {
        RateBuckets shared = process();
        shared.forKey("liangxin", KEY).hold(Double.NaN, Duration.ZERO);
        assertThat(shared.forKey("liangxin", KEY).lease(5, 50, Double.NaN).orElseThrow().permits()).isEqualTo(5);
        shared.forKey("liangxin", KEY).hold(30, Duration.ofSeconds(60));
        assertThat(shared.flush(30_000)).isTrue();

        assertThat(shared.forKey("liangxin", "another-key").lease(5, 50, Double.NaN).orElseThrow().permits())
                .as("a key held by nobody").isEqualTo(5);
        List<String> stored = JdbcClient.create(open())
                .sql("SELECT PROVIDER || ' ' || KEY_FINGERPRINT FROM IB_RATE_BUCKET ORDER BY 1").query(String.class)
                .list();
        assertThat(stored).containsExactlyInAnyOrder("liangxin " + DailyBudgets.fingerprint(KEY),
                "liangxin " + DailyBudgets.fingerprint("another-key"));
        assertThat(String.join(" ", stored)).doesNotContain(KEY);
    }

    @Test
    void aThrottleWhoseDatabaseIsGoneKeepsSendingAlone() {
        HikariDataSource pool = open();
        ProviderThrottle throttle = new ProviderThrottle("liangxin", 1_000.0, 4, RateMemory.NONE,
                process(pool).forKey("liangxin", KEY));
        for (int i = 0; i < 250; i++) {
            throttle.call(() -> "ok");
        }

        pool.close(); // no connection can be had any more: every lease fails
        int answered = 0;
        for (int i = 0; i < 250; i++) {
            answered += throttle.call(() -> 1);
        }

        assertThat(answered).isEqualTo(250);
        assertThat(throttle.pacingRate()).isPositive().isLessThanOrEqualTo(1_000.0);
    }
    /** A JDBC statement a lease or hold made: its SQL (null when it ran none) and the query timeouts set on it, s. */
    private record Made(List<String> sql, List<Integer> timeouts) {
    }

    /**
     * @return {@code pool} as a data source that records each statement made on its connections into {@code made}
     */
    private static DataSource recording(DataSource pool, List<Made> made) {
        ClassLoader loader = SharedRateBudgetContract.class.getClassLoader();
        return (DataSource) Proxy.newProxyInstance(loader, new Class<?>[] {DataSource.class}, (p, m, args) -> {
            Object result = invoke(pool, m, args);
            if (!(result instanceof Connection connection)) {
                return result;
            }
            return Proxy.newProxyInstance(loader, new Class<?>[] {Connection.class}, (pc, mc, argsC) -> {
                Object statement = invoke(connection, mc, argsC);
                if (!(statement instanceof Statement)) {
                    return statement;
                }
                Made one = new Made(new CopyOnWriteArrayList<>(), new CopyOnWriteArrayList<>());
                made.add(one);
                if (argsC != null && argsC.length > 0 && argsC[0] instanceof String sql) {
                    one.sql().add(sql); // prepareStatement(sql)
                }
                Class<?> type = statement instanceof PreparedStatement ? PreparedStatement.class : Statement.class;
                return Proxy.newProxyInstance(loader, new Class<?>[] {type}, (ps, ms, argsS) -> {
                    if (ms.getName().equals("setQueryTimeout")) {
                        one.timeouts().add((Integer) argsS[0]);
                    } else if (ms.getName().startsWith("execute") && argsS != null && argsS.length > 0
                            && argsS[0] instanceof String sql) {
                        one.sql().add(sql); // createStatement(), then execute(sql)
                    }
                    return invoke(statement, ms, argsS);
                });
            });
        });
    }

    /**
     * A lease and a hold make only the statements on the key's row (no extra round trip to reset a query timeout),
     * and where the database is a server that may stop answering (not H2's embedded file) each of them is bounded
     * by {@link RateBuckets#LEASE_TIMEOUT_MILLIS}; on H2 none carries a query timeout, which H2 would keep as the
     * session's ({@link RateBuckets}).
     */
    @Test
    void aLeaseMakesOnlyItsRowsStatementsAndBoundsThemWhereTheDatabaseIsAServer() {
        List<Made> made = new CopyOnWriteArrayList<>();
        RateBuckets shared = process(recording(open(), made));

        assertThat(shared.forKey("liangxin", KEY).lease(5, 50, Double.NaN)).isPresent(); // the row is made
        assertThat(shared.forKey("liangxin", KEY).lease(5, 50, 50)).isPresent();
        shared.forKey("liangxin", KEY).hold(30, Duration.ZERO);
        assertThat(shared.flush(30_000)).isTrue();

        assertThat(made).as("statements of two leases and a hold").isNotEmpty()
                .allSatisfy(statement -> assertThat(statement.sql()).as("SQL of %s", statement).hasSize(1)
                        .allSatisfy(sql -> assertThat(sql).containsAnyOf("IB_RATE_BUCKET", "CURRENT_TIMESTAMP")));
        int bound = (int) TimeUnit.MILLISECONDS.toSeconds(RateBuckets.LEASE_TIMEOUT_MILLIS);
        if (leaseStatementsHaveATimeout()) {
            assertThat(made).allSatisfy(statement -> assertThat(statement.timeouts()).as("timeouts of %s", statement)
                    .containsOnly(bound));
        } else {
            assertThat(made).allSatisfy(statement -> assertThat(statement.timeouts()).as("timeouts of %s", statement)
                    .isEmpty());
        }
    }
}
