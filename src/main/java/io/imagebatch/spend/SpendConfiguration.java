package io.imagebatch.spend;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;

/** The price table of the running process (docs/design.md, Spend). */
@Configuration
public class SpendConfiguration {

    /**
     * @param currency   {@code imagebatch.spend.currency}, default {@code USD}
     * @param properties the providers' price settings
     * @return the checked table
     * @throws PriceSettingsException naming the setting and value that is not a usable price or currency
     */
    /**
     * The price table the {@link #priceTable} bean will be, read straight from an environment: lets a command
     * check the price settings before its context starts (before the database is opened or anything is sent).
     *
     * @param environment the command's settings ({@code imagebatch.spend.currency},
     *                    {@code imagebatch.providers.<name>.price-per-image}, ...)
     * @return the checked table
     * @throws PriceSettingsException naming the setting and value that is not a usable price or currency
     */
    public static PriceTable priceTable(Environment environment) {
        SpendProperties properties = Binder.get(environment).bind("imagebatch.providers", SpendProperties.class)
                .orElseGet(SpendProperties::none);
        try {
            return PriceTable.from(environment.getProperty("imagebatch.spend.currency"), properties);
        } catch (IllegalArgumentException e) {
            throw new PriceSettingsException(e);
        }
    }

    @Bean
    PriceTable priceTable(@Value("${imagebatch.spend.currency:" + PriceTable.DEFAULT_CURRENCY + "}") String currency,
            SpendProperties properties) {
        try {
            return PriceTable.from(currency, properties);
        } catch (IllegalArgumentException e) {
            throw new PriceSettingsException(e);
        }
    }

    /**
     * The reservations made beside the batch budget's ({@link SpendReservations}): the daily budget per provider
     * key ({@link DailyBudgets}), in the intent's transaction. A refusal words the held row's reason with today's
     * committed amount ({@link SpendReservations#dailyBudgetReason}).
     *
     * @param daily  the daily budgets
     * @param prices the price table, for the currency of the reason
     * @return the reservations
     */
    @Bean
    SpendReservations spendReservations(DailyBudgets daily, PriceTable prices) {
        return new SpendReservations() {
            @Override
            public java.util.Optional<String> reserve(String provider, java.math.BigDecimal amount) {
                if (daily.reserve(provider, amount)) {
                    return java.util.Optional.empty();
                }
                DailySpend today = daily.today(provider).orElseThrow();
                return java.util.Optional.of(SpendReservations.dailyBudgetReason(today.committed(), today.budget(),
                        prices.currency(), provider, amount));
            }

            @Override
            public void release(String provider, java.math.BigDecimal amount) {
                daily.release(provider, amount);
            }
        };
    }
}
