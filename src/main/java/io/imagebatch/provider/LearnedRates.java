package io.imagebatch.provider;

import io.imagebatch.spend.DailyBudgets;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * The rate each provider key sustained, kept in {@code IB_PROVIDER_RATE} ({@code db/ledger-schema.sql}) so that
 * the next run, of this process or of any other on the same database, starts at it (README, Performance).
 *
 * <p>A line is (provider, key fingerprint): the key is never stored, only the first 16 hex characters of its
 * SHA-256 ({@link DailyBudgets#fingerprint}, as the daily budgets name keys), so two batches with the same key share
 * one learned rate and a new key starts afresh.
 *
 * <p>Every statement runs on a thread of its own, outside any transaction of the caller (a throttle learns in the
 * middle of a chunk's transaction, which must neither wait for this line's lock nor be rolled back with it), and
 * never throws: a database that cannot be read or written (no table yet, down) only means the rate is found again.
 */
@Component
public class LearnedRates implements DisposableBean {

    private static final Logger log = LoggerFactory.getLogger(LearnedRates.class);
    private static final long READ_TIMEOUT_MS = 5_000;

    private final ObjectProvider<JdbcClient> jdbc;
    private final ExecutorService worker = Executors.newSingleThreadExecutor(
            io.imagebatch.FatalErrors.threads("learned-rates"));

    /** @param jdbc the JDBC client on the ledger's database; none (a command without one) remembers nothing */
    public LearnedRates(ObjectProvider<JdbcClient> jdbc) {
        this.jdbc = jdbc;
    }

    /**
     * @param provider the provider's name, e.g. {@code liangxin}
     * @param apiKey   its API key (only its fingerprint is used); null or blank for none
     * @return the memory of that key's rate
     */
    public RateMemory forKey(String provider, String apiKey) {
        String fingerprint = DailyBudgets.fingerprint(apiKey);
        return new RateMemory() {
            @Override
            public OptionalDouble learned() {
                return read(provider, fingerprint);
            }

            @Override
            public void learn(double requestsPerSecond) {
                write(provider, fingerprint, requestsPerSecond);
            }
        };
    }

    /**
     * Reads a learned rate, waiting at most 5,000 ms.
     *
     * @param provider    the provider's name
     * @param fingerprint the key's fingerprint ({@link DailyBudgets#fingerprint})
     * @return the rate, requests a second; empty when there is none or it cannot be read in time
     */
    public OptionalDouble read(String provider, String fingerprint) {
        try {
            JdbcClient client = jdbc.getIfAvailable();
            if (client == null) {
                return OptionalDouble.empty();
            }
            Optional<Double> rate = worker.submit(() -> client.sql(
                            "SELECT REQUESTS_PER_SECOND FROM IB_PROVIDER_RATE WHERE PROVIDER = ? AND KEY_FINGERPRINT = ?")
                    .params(provider, fingerprint).query(Double.class).optional())
                    .get(READ_TIMEOUT_MS, TimeUnit.MILLISECONDS);
            return rate.filter(r -> r > 0).map(OptionalDouble::of).orElse(OptionalDouble.empty());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return OptionalDouble.empty();
        } catch (Exception e) {
            log.debug("{}: the learned rate could not be read; it is found again", provider, e);
            return OptionalDouble.empty();
        }
    }

    /**
     * Stores a learned rate, replacing the one before, on this class's own thread (returns at once); a failure is
     * logged at debug level and otherwise ignored.
     *
     * @param provider          the provider's name
     * @param fingerprint       the key's fingerprint ({@link DailyBudgets#fingerprint})
     * @param requestsPerSecond the rate, requests a second; not positive or not finite stores nothing
     */
    public void write(String provider, String fingerprint, double requestsPerSecond) {
        if (!(requestsPerSecond > 0) || Double.isInfinite(requestsPerSecond)) {
            return;
        }
        try {
            JdbcClient client = jdbc.getIfAvailable();
            if (client == null) {
                return;
            }
            worker.execute(() -> {
                try {
                    upsert(client, provider, fingerprint, requestsPerSecond);
                } catch (RuntimeException e) {
                    log.debug("{}: the learned rate could not be stored", provider, e);
                }
            });
        } catch (RuntimeException rejected) {
            log.debug("{}: the learned rate was not stored: shutting down", provider);
        }
    }

    /**
     * Waits until every write asked before has been tried, for tests and for the end of a run.
     *
     * @param timeoutMs the longest wait, ms
     * @return true when they have, false on timeout or interruption
     */
    public boolean flush(long timeoutMs) {
        try {
            worker.submit(() -> { }).get(timeoutMs, TimeUnit.MILLISECONDS);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (Exception e) {
            return false;
        }
    }

    private static void upsert(JdbcClient client, String provider, String fingerprint, double rate) {
        long now = System.currentTimeMillis();
        String update = "UPDATE IB_PROVIDER_RATE SET REQUESTS_PER_SECOND = ?, LEARNED_AT = ?"
                + " WHERE PROVIDER = ? AND KEY_FINGERPRINT = ?";
        if (client.sql(update).params(rate, now, provider, fingerprint).update() > 0) {
            return;
        }
        try {
            client.sql("INSERT INTO IB_PROVIDER_RATE (PROVIDER, KEY_FINGERPRINT, REQUESTS_PER_SECOND, LEARNED_AT)"
                    + " VALUES (?, ?, ?, ?)").params(provider, fingerprint, rate, now).update();
        } catch (DuplicateKeyException raced) {
            client.sql(update).params(rate, now, provider, fingerprint).update();
        }
    }

    /** Lets the writes asked before finish (at most 2,000 ms), then stops the thread. */
    @Override
    public void destroy() {
        flush(2_000);
        worker.shutdownNow();
    }
}
