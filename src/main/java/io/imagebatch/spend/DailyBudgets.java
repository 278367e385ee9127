package io.imagebatch.spend;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.DatabaseMetaData;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Function;
import javax.sql.DataSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.core.env.Environment;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.support.JdbcUtils;
import org.springframework.jdbc.support.MetaDataAccessException;
import org.springframework.stereotype.Component;

/**
 * The daily budget per provider key ({@code imagebatch.providers.<name>.daily-budget}): what every batch and
 * every process on the same database may together commit to one provider key on one UTC day, so that two
 * nightly jobs cannot together overspend one account (README.md and docs/design.md, Spend).
 *
 * <p>Kept in {@code IB_SPEND_DAY} ({@code db/ledger-schema.sql}), one line per provider, key fingerprint and
 * day. Every method works inside the caller's transaction (Spring-managed, on the ledger's {@link DataSource}),
 * so a reservation is committed or rolled back with the ledger change it pays for (the row's intent). A
 * reservation locks its line until that transaction ends: another process reserving for the same key waits,
 * then sees the committed amount, and the conditional update never lets two of them pass the budget together.
 * The caller's transaction must be READ COMMITTED (the default of H2 and PostgreSQL).
 *
 * <p>"Today" is the UTC day of the database's {@code CURRENT_TIMESTAMP}, not of this machine's clock, as the
 * locks judge expiry on the database's clock ({@code lock/DatabaseClockLockRepository}): processes on machines
 * whose clocks differ agree on the day. A new day starts at 0; earlier days are kept, and never count.
 *
 * <p>The key is never stored or logged: a line names it by {@link #fingerprint}, the first 16 hex characters of
 * the SHA-256 of the key. Two batches with the same key share one budget; a different key has its own.
 *
 * <p>Amounts are in {@code imagebatch.spend.currency} and kept to 6 decimals ({@code DECIMAL(18,6)}): an amount
 * with more is rounded up, the same way when it is reserved and when it is given back.
 */
@Component
public class DailyBudgets {

    /** The fingerprint of a provider without an API key. */
    public static final String NO_KEY = "no-key";

    private static final int SCALE = 6;

    private final DataSource dataSource;
    private final JdbcClient jdbc;
    private final PriceTable prices;
    private final Function<String, String> apiKeys;
    /** Whether the database is PostgreSQL; null until first asked. */
    private volatile Boolean postgres;

    /**
     * @param dataSource the ledger's database; its Spring-managed transaction, when one is open, is the caller's
     * @param prices     the daily budgets ({@link PriceTable#dailyBudget})
     * @param apiKeys    the provider's API key by provider name ({@code liangxin} gives
     *                   {@code imagebatch.providers.liangxin.api-key}); null or blank when none is set
     */
    public DailyBudgets(DataSource dataSource, PriceTable prices, Function<String, String> apiKeys) {
        this.dataSource = dataSource;
        this.jdbc = JdbcClient.create(dataSource);
        this.prices = prices;
        this.apiKeys = apiKeys;
    }

    /**
     * The application's: the API keys are read from {@code imagebatch.providers.<name>.api-key} with Spring
     * Boot's binder, with the same relaxed names as the provider settings (e.g. the environment variable
     * {@code IMAGEBATCH_PROVIDERS_LIANGXIN_APIKEY}), so that {@code spend} does not depend on {@code provider}.
     *
     * @param dataSource  the ledger's database
     * @param prices      the daily budgets
     * @param environment the settings
     */
    @Autowired
    public DailyBudgets(DataSource dataSource, PriceTable prices, Environment environment) {
        this(dataSource, prices, apiKeysOf(environment));
    }

    private static Function<String, String> apiKeysOf(Environment environment) {
        Binder binder = Binder.get(environment);
        return provider -> binder.bind("imagebatch.providers." + provider + ".api-key", String.class).orElse(null);
    }

    /**
     * Reserves {@code amount} of today's budget of the provider's key, in the caller's transaction: inserts
     * today's line when it is missing, then adds {@code amount} to it only when the sum stays within the daily
     * budget ({@code UPDATE ... WHERE COMMITTED + amount <= budget}, which locks the line until the caller's
     * transaction ends).
     *
     * @param provider the provider's name, e.g. {@code liangxin}
     * @param amount   the amount, in {@code imagebatch.spend.currency}; 0 reserves nothing and is always allowed
     * @return true when it is reserved, or when the provider has no daily budget (then nothing is written);
     *         false, changing nothing, when it would pass the daily budget
     * @throws IllegalArgumentException when {@code amount} is null or negative
     * @throws org.springframework.dao.DataAccessException when the database fails the statement
     */
    public boolean reserve(String provider, BigDecimal amount) {
        BigDecimal scaled = checked(amount);
        Optional<BigDecimal> budget = prices.dailyBudget(provider);
        if (budget.isEmpty() || scaled.signum() == 0) {
            return true;
        }
        String key = fingerprint(apiKeys.apply(provider));
        LocalDate day = databaseDay();
        insertIfMissing(provider, key, day);
        return jdbc.sql("UPDATE IB_SPEND_DAY SET COMMITTED = COMMITTED + ? WHERE PROVIDER = ?"
                        + " AND KEY_FINGERPRINT = ? AND SPEND_DAY = ? AND COMMITTED + ? <= ?")
                .params(scaled, provider, key, day, scaled, budget.get()).update() > 0;
    }

    /**
     * Gives {@code amount} back to today's budget of the provider's key, in the caller's transaction; today's
     * committed amount never goes below 0. An amount reserved before midnight UTC and given back after it is
     * given back to the new day.
     *
     * @param provider the provider's name
     * @param amount   the amount reserved, in {@code imagebatch.spend.currency}
     * @throws IllegalArgumentException when {@code amount} is null or negative
     * @throws org.springframework.dao.DataAccessException when the database fails the statement
     */
    public void release(String provider, BigDecimal amount) {
        BigDecimal scaled = checked(amount);
        if (prices.dailyBudget(provider).isEmpty() || scaled.signum() == 0) {
            return;
        }
        jdbc.sql("UPDATE IB_SPEND_DAY SET COMMITTED = GREATEST(COMMITTED - ?, 0) WHERE PROVIDER = ?"
                        + " AND KEY_FINGERPRINT = ? AND SPEND_DAY = ?")
                .params(scaled, provider, fingerprint(apiKeys.apply(provider)), databaseDay()).update();
    }

    /**
     * @param provider the provider's name
     * @return today's committed amount and the daily budget of the provider's key; empty when the provider has
     *         no daily budget
     * @throws org.springframework.dao.DataAccessException when the database fails the query
     */
    public Optional<DailySpend> today(String provider) {
        Optional<BigDecimal> budget = prices.dailyBudget(provider);
        if (budget.isEmpty()) {
            return Optional.empty();
        }
        String key = fingerprint(apiKeys.apply(provider));
        LocalDate day = databaseDay();
        BigDecimal committed = jdbc.sql("SELECT COMMITTED FROM IB_SPEND_DAY WHERE PROVIDER = ?"
                        + " AND KEY_FINGERPRINT = ? AND SPEND_DAY = ?")
                .params(provider, key, day).query(BigDecimal.class).optional().orElse(BigDecimal.ZERO);
        return Optional.of(new DailySpend(provider, key, day, committed.stripTrailingZeros(), budget.get()));
    }

    /**
     * The non-secret name of an API key in {@code IB_SPEND_DAY}: the first 16 hex characters (64 bits) of the
     * SHA-256 of the key's UTF-8 bytes, lower case; enough to tell a team's keys apart, useless to call the
     * provider with.
     *
     * @param apiKey the key; null or blank for none
     * @return 16 hex characters, or {@link #NO_KEY} when there is no key
     */
    public static String fingerprint(String apiKey) {
        if (apiKey == null || apiKey.isBlank()) {
            return NO_KEY;
        }
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(apiKey.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(hash).substring(0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this Java runtime", e);
        }
    }

    private static BigDecimal checked(BigDecimal amount) {
        if (amount == null || amount.signum() < 0) {
            throw new IllegalArgumentException("a daily budget amount must be 0 or more, not " + amount);
        }
        return amount.setScale(SCALE, RoundingMode.UP);
    }

    /**
     * Inserts today's line at 0 unless it is there. On PostgreSQL a failed statement aborts the caller's
     * transaction, so the insert is told to do nothing on a conflict; H2 fails only the statement.
     */
    private void insertIfMissing(String provider, String key, LocalDate day) {
        if (isPostgres()) {
            jdbc.sql("INSERT INTO IB_SPEND_DAY (PROVIDER, KEY_FINGERPRINT, SPEND_DAY, COMMITTED)"
                    + " VALUES (?, ?, ?, 0) ON CONFLICT DO NOTHING").params(provider, key, day).update();
            return;
        }
        try {
            jdbc.sql("INSERT INTO IB_SPEND_DAY (PROVIDER, KEY_FINGERPRINT, SPEND_DAY, COMMITTED)"
                    + " SELECT ?, ?, ?, 0 WHERE NOT EXISTS (SELECT 1 FROM IB_SPEND_DAY WHERE PROVIDER = ?"
                    + " AND KEY_FINGERPRINT = ? AND SPEND_DAY = ?)").params(provider, key, day, provider, key, day)
                    .update();
        } catch (DuplicateKeyException insertedByAnother) {
            // another transaction inserted it at the same moment: the line is there
        }
    }

    /** @return the UTC day of the database's {@code CURRENT_TIMESTAMP} */
    private LocalDate databaseDay() {
        OffsetDateTime now = jdbc.sql("SELECT CURRENT_TIMESTAMP").query(OffsetDateTime.class).single();
        return now.withOffsetSameInstant(ZoneOffset.UTC).toLocalDate();
    }

    private boolean isPostgres() {
        Boolean known = postgres;
        if (known == null) {
            try {
                String product = JdbcUtils.extractDatabaseMetaData(dataSource,
                        DatabaseMetaData::getDatabaseProductName);
                known = product != null && product.toLowerCase(Locale.ROOT).contains("postgres");
            } catch (MetaDataAccessException e) {
                throw new IllegalStateException("cannot tell which database the daily budgets are in: "
                        + e.getMessage(), e);
            }
            postgres = known;
        }
        return known;
    }
}
