package io.imagebatch.provider;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import io.imagebatch.spend.DailyBudgets;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalDouble;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.support.DefaultListableBeanFactory;
import org.springframework.core.io.ClassPathResource;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.init.ResourceDatabasePopulator;

/**
 * {@link LearnedRates} against a real database made as every start makes it ({@code db/ledger-schema.sql}): on H2
 * ({@link LearnedRatesH2Test}) and PostgreSQL ({@link LearnedRatesPostgresTest}). Each {@link LearnedRates} on its
 * own pool is another process, as the next night's run is.
 */
abstract class LearnedRatesContract {

    static final String KEY = "sk-live-0123456789abcdef-secret";
    static final String OTHER_KEY = "sk-live-fedcba9876543210-secret";

    private final List<HikariDataSource> opened = new ArrayList<>();
    private final List<LearnedRates> rates = new ArrayList<>();

    /** @return a new pool on this test's database: each call is another "process" */
    abstract HikariDataSource openDataSource();

    @BeforeEach
    void makeSchema() {
        HikariDataSource first = open();
        ResourceDatabasePopulator script = new ResourceDatabasePopulator(new ClassPathResource("db/ledger-schema.sql"));
        script.execute(first);
        script.execute(first); // as at every start: again without failing
    }

    @AfterEach
    void close() {
        rates.forEach(LearnedRates::destroy);
        opened.forEach(HikariDataSource::close);
    }

    private HikariDataSource open() {
        HikariDataSource source = openDataSource();
        opened.add(source);
        return source;
    }

    /** A {@link LearnedRates} of another "process": a pool of its own on the same database. */
    private LearnedRates process() {
        DefaultListableBeanFactory beans = new DefaultListableBeanFactory();
        beans.registerSingleton("jdbc", JdbcClient.create(open()));
        ObjectProvider<JdbcClient> jdbc = beans.getBeanProvider(JdbcClient.class);
        LearnedRates learned = new LearnedRates(jdbc);
        rates.add(learned);
        return learned;
    }

    @Test
    void aRateLearnedByOneRunIsReadBackByTheNextForTheSameKeyOnly() {
        LearnedRates tonight = process();
        tonight.forKey("liangxin", KEY).learn(47.5);
        tonight.forKey("liangxin", KEY).learn(44.25); // the latest replaces the one before
        assertThat(tonight.flush(30_000)).isTrue();

        LearnedRates tomorrow = process();

        assertThat(tomorrow.forKey("liangxin", KEY).learned()).hasValue(44.25);
        assertThat(tomorrow.forKey("liangxin", OTHER_KEY).learned()).isEmpty();
        assertThat(tomorrow.forKey("hiapi", KEY).learned()).isEmpty();
    }

    @Test
    void theKeyIsNeverStoredOnlyItsFingerprint() {
        LearnedRates tonight = process();
        tonight.forKey("liangxin", KEY).learn(12);
        assertThat(tonight.flush(30_000)).isTrue();

        List<String> stored = JdbcClient.create(open())
                .sql("SELECT PROVIDER || ' ' || KEY_FINGERPRINT FROM IB_PROVIDER_RATE").query(String.class).list();

        assertThat(stored).containsExactly("liangxin " + DailyBudgets.fingerprint(KEY));
        assertThat(String.join(" ", stored)).doesNotContain(KEY);
    }

    @Test
    void aThrottleOfTheNextRunStartsAtTheRateTheKeyLearned() {
        LearnedRates tonight = process();
        tonight.forKey("liangxin", KEY).learn(30);
        assertThat(tonight.flush(30_000)).isTrue();

        ProviderThrottle next = new ProviderThrottle("liangxin", null, 4, process().forKey("liangxin", KEY));

        assertThat(next.currentRate()).isEqualTo(30);
    }

    @Test
    void withoutItsTableNothingIsLearnedAndNothingFails() {
        LearnedRates none = new LearnedRates(new DefaultListableBeanFactory().getBeanProvider(JdbcClient.class));
        rates.add(none);

        none.forKey("liangxin", KEY).learn(30);

        assertThat(none.forKey("liangxin", KEY).learned()).isEqualTo(OptionalDouble.empty());
    }
}
