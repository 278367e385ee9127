package io.imagebatch.spend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariDataSource;
import java.math.BigDecimal;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;
import org.springframework.core.io.ClassPathResource;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.jdbc.datasource.init.ResourceDatabasePopulator;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * {@link DailyBudgets} against a real database made as every start makes it ({@code db/ledger-schema.sql}): the
 * same tests on H2 ({@link DailyBudgetsH2Test}, a file database) and on PostgreSQL
 * ({@link DailyBudgetsPostgresTest}). Every reservation runs in a transaction of its own, as the caller's
 * (the intent's) would.
 */
abstract class DailyBudgetsContract {

    static final String KEY = "sk-live-0123456789abcdef-secret";
    static final String OTHER_KEY = "sk-live-fedcba9876543210-secret";

    static {
        ((ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger("com.zaxxer.hikari"))
                .setLevel(ch.qos.logback.classic.Level.WARN);
    }

    private final List<HikariDataSource> opened = new ArrayList<>();
    DataSource dataSource;
    JdbcClient jdbc;
    TransactionTemplate transaction;

    /**
     * @return a new pool on this test's database: each call is another "process" on the same database, with
     *         at least 4 connections
     */
    abstract HikariDataSource openDataSource();

    @BeforeEach
    void openDatabase() {
        dataSource = open();
        jdbc = JdbcClient.create(dataSource);
        ResourceDatabasePopulator script = new ResourceDatabasePopulator(new ClassPathResource("db/ledger-schema.sql"));
        script.execute(dataSource);
        script.execute(dataSource); // as at every start: again without failing
        transaction = new TransactionTemplate(new DataSourceTransactionManager(dataSource));
    }

    @AfterEach
    void closeDatabase() {
        opened.forEach(HikariDataSource::close);
    }

    HikariDataSource open() {
        HikariDataSource source = openDataSource();
        opened.add(source);
        return source;
    }

    static PriceTable prices(Map<String, String> settings) {
        SpendProperties properties = new Binder(new MapConfigurationPropertySource(settings))
                .bind("imagebatch.providers", SpendProperties.class).orElseGet(SpendProperties::none);
        return PriceTable.from(null, properties);
    }

    static PriceTable dailyBudget(String provider, String budget) {
        return prices(Map.of("imagebatch.providers." + provider + ".daily-budget", budget));
    }

    static Function<String, String> key(String apiKey) {
        return provider -> apiKey;
    }

    boolean reserveInOwnTransaction(DailyBudgets budgets, String provider, String amount) {
        return Boolean.TRUE.equals(transaction.execute(tx -> budgets.reserve(provider, new BigDecimal(amount))));
    }

    BigDecimal committedToday(DailyBudgets budgets, String provider) {
        return budgets.today(provider).orElseThrow().committed();
    }

    long lines() {
        return jdbc.sql("SELECT COUNT(*) FROM IB_SPEND_DAY").query(Long.class).single();
    }

    LocalDate databaseDay() {
        return jdbc.sql("SELECT CURRENT_TIMESTAMP").query(OffsetDateTime.class).single()
                .withOffsetSameInstant(ZoneOffset.UTC).toLocalDate();
    }

    @Test
    void aReservationWithinTheDailyBudgetIsCommittedAndOnePastItIsRefusedChangingNothing() {
        DailyBudgets budgets = new DailyBudgets(dataSource, dailyBudget("liangxin", "1.00"), key(KEY));

        assertThat(reserveInOwnTransaction(budgets, "liangxin", "0.40")).isTrue();
        assertThat(reserveInOwnTransaction(budgets, "liangxin", "0.60")).isTrue();
        assertThat(reserveInOwnTransaction(budgets, "liangxin", "0.000001")).isFalse();

        DailySpend today = budgets.today("liangxin").orElseThrow();
        assertThat(today.committed()).isEqualByComparingTo("1.00");
        assertThat(today.budget()).isEqualByComparingTo("1.00");
        assertThat(today.remaining()).isEqualByComparingTo("0");
        assertThat(today.day()).isEqualTo(databaseDay());
        assertThat(today.keyFingerprint()).isEqualTo(DailyBudgets.fingerprint(KEY)).hasSize(16);
    }

    @Test
    void aReleaseGivesTheAmountBackButNeverBelowZero() {
        DailyBudgets budgets = new DailyBudgets(dataSource, dailyBudget("hiapi", "0.10"), key(KEY));
        assertThat(reserveInOwnTransaction(budgets, "hiapi", "0.10")).isTrue();
        assertThat(reserveInOwnTransaction(budgets, "hiapi", "0.039")).isFalse();

        transaction.executeWithoutResult(tx -> budgets.release("hiapi", new BigDecimal("0.039")));
        assertThat(committedToday(budgets, "hiapi")).isEqualByComparingTo("0.061");
        assertThat(reserveInOwnTransaction(budgets, "hiapi", "0.039")).isTrue();

        transaction.executeWithoutResult(tx -> budgets.release("hiapi", new BigDecimal("5")));
        assertThat(committedToday(budgets, "hiapi")).isEqualByComparingTo("0");
    }

    @Test
    void withoutADailyBudgetEveryReservationIsAllowedAndNothingIsWritten() {
        DailyBudgets budgets = new DailyBudgets(dataSource, dailyBudget("crun", "2"), key(KEY));

        assertThat(reserveInOwnTransaction(budgets, "liangxin", "1000000")).isTrue();
        transaction.executeWithoutResult(tx -> budgets.release("liangxin", BigDecimal.ONE));

        assertThat(budgets.today("liangxin")).isEmpty();
        assertThat(lines()).isZero();
        assertThatThrownBy(() -> budgets.reserve("crun", new BigDecimal("-0.01")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("-0.01");
    }

    @Test
    void aNewUtcDayOfTheDatabaseStartsAtZero() {
        DailyBudgets budgets = new DailyBudgets(dataSource, dailyBudget("mingyan", "3.00"), key(KEY));
        LocalDate today = databaseDay();
        // yesterday's line (on the database's clock), spent to the last cent, and an older one
        jdbc.sql("INSERT INTO IB_SPEND_DAY (PROVIDER, KEY_FINGERPRINT, SPEND_DAY, COMMITTED) VALUES (?, ?, ?, ?)")
                .params("mingyan", DailyBudgets.fingerprint(KEY), today.minusDays(1), new BigDecimal("3.00"))
                .update();
        jdbc.sql("INSERT INTO IB_SPEND_DAY (PROVIDER, KEY_FINGERPRINT, SPEND_DAY, COMMITTED) VALUES (?, ?, ?, ?)")
                .params("mingyan", DailyBudgets.fingerprint(KEY), today.minusDays(2), new BigDecimal("2.50"))
                .update();
        assertThat(committedToday(budgets, "mingyan")).isEqualByComparingTo("0");

        assertThat(reserveInOwnTransaction(budgets, "mingyan", "3.00")).isTrue();

        assertThat(budgets.today("mingyan").orElseThrow().day()).isEqualTo(today);
        assertThat(jdbc.sql("SELECT COMMITTED FROM IB_SPEND_DAY WHERE SPEND_DAY = ?").param(today)
                .query(BigDecimal.class).single()).isEqualByComparingTo("3.00");
        assertThat(jdbc.sql("SELECT COMMITTED FROM IB_SPEND_DAY WHERE SPEND_DAY = ?").param(today.minusDays(1))
                .query(BigDecimal.class).single()).isEqualByComparingTo("3.00");
    }

    @Test
    void twoKeysDoNotShareABudgetAndTheKeyIsNeverStored() {
        PriceTable table = dailyBudget("liangxin", "1.00");
        DailyBudgets nightlyA = new DailyBudgets(dataSource, table, key(KEY));
        DailyBudgets nightlyB = new DailyBudgets(open(), table, key(KEY));
        DailyBudgets otherAccount = new DailyBudgets(open(), table, key(OTHER_KEY));

        assertThat(reserveInOwnTransaction(nightlyA, "liangxin", "0.70")).isTrue();
        // the same key in another batch and process: the same budget
        assertThat(reserveInOwnTransaction(nightlyB, "liangxin", "0.70")).isFalse();
        assertThat(reserveInOwnTransaction(nightlyB, "liangxin", "0.30")).isTrue();
        // another key: a budget of its own
        assertThat(reserveInOwnTransaction(otherAccount, "liangxin", "0.70")).isTrue();

        assertThat(committedToday(nightlyA, "liangxin")).isEqualByComparingTo("1.00");
        assertThat(committedToday(otherAccount, "liangxin")).isEqualByComparingTo("0.70");
        assertThat(DailyBudgets.fingerprint(KEY)).matches("[0-9a-f]{16}")
                .isNotEqualTo(DailyBudgets.fingerprint(OTHER_KEY));
        List<String> stored = jdbc.sql("SELECT PROVIDER || ' ' || KEY_FINGERPRINT FROM IB_SPEND_DAY")
                .query(String.class).list();
        assertThat(stored).hasSize(2).noneMatch(line -> line.contains("secret") || line.contains("sk-live"));
    }

    @Test
    void aRolledBackCallerTransactionLeavesNothingCommitted() {
        DailyBudgets budgets = new DailyBudgets(dataSource, dailyBudget("crun", "1.00"), key(KEY));
        assertThat(reserveInOwnTransaction(budgets, "crun", "0.25")).isTrue();

        Boolean reservedThenRolledBack = transaction.execute(tx -> {
            boolean reserved = budgets.reserve("crun", new BigDecimal("0.75"));
            tx.setRollbackOnly(); // the intent's insert failed, say
            return reserved;
        });

        assertThat(reservedThenRolledBack).isTrue();
        assertThat(committedToday(budgets, "crun")).isEqualByComparingTo("0.25");
        assertThat(reserveInOwnTransaction(budgets, "crun", "0.75")).isTrue();
    }

    @Test
    void twoProcessesReservingAtOnceNeverCommitMoreThanTheBudget() throws Exception {
        PriceTable table = dailyBudget("liangxin", "1.00");
        BigDecimal amount = new BigDecimal("0.07");
        int threadsPerProcess = 4;
        int attemptsPerThread = 6; // 48 attempts for floor(1.00 / 0.07) = 14 places
        List<TransactionTemplate> processes = new ArrayList<>();
        List<DailyBudgets> budgets = new ArrayList<>();
        for (int p = 0; p < 2; p++) {
            DataSource source = open();
            processes.add(new TransactionTemplate(new DataSourceTransactionManager(source)));
            budgets.add(new DailyBudgets(source, table, key(KEY)));
        }
        AtomicInteger reserved = new AtomicInteger();
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService threads = Executors.newFixedThreadPool(2 * threadsPerProcess);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < 2 * threadsPerProcess; t++) {
                int process = t % 2;
                done.add(threads.submit(() -> {
                    start.await();
                    for (int i = 0; i < attemptsPerThread; i++) {
                        if (Boolean.TRUE.equals(processes.get(process).execute(
                                tx -> budgets.get(process).reserve("liangxin", amount)))) {
                            reserved.incrementAndGet();
                        }
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> f : done) {
                f.get(5, TimeUnit.MINUTES);
            }
        } finally {
            threads.shutdownNow();
        }

        assertThat(reserved.get()).isEqualTo(14);
        assertThat(committedToday(budgets.get(0), "liangxin")).isEqualByComparingTo("0.98");
        assertThat(lines()).isOne();
    }

    @Test
    void theApplicationReadsTheKeyFromTheProviderSettingWithRelaxedNames() {
        StandardEnvironment environment = new StandardEnvironment();
        // as the process's environment variables are named, so that Spring Boot maps their names
        environment.getPropertySources().addFirst(new SystemEnvironmentPropertySource(
                StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME,
                Map.of("IMAGEBATCH_PROVIDERS_LIANGXIN_APIKEY", KEY)));
        DailyBudgets fromSettings = new DailyBudgets(dataSource, dailyBudget("liangxin", "1.00"), environment);

        assertThat(reserveInOwnTransaction(fromSettings, "liangxin", "0.50")).isTrue();

        assertThat(fromSettings.today("liangxin").orElseThrow().keyFingerprint())
                .isEqualTo(DailyBudgets.fingerprint(KEY));
        assertThat(DailyBudgets.fingerprint(null)).isEqualTo(DailyBudgets.NO_KEY);
    }
}
