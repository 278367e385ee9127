package io.imagebatch.spend;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The price table of the running process (docs/design.md, Spend). */
@Configuration
public class SpendConfiguration {

    /**
     * @param currency   {@code imagebatch.spend.currency}, default {@code USD}
     * @param properties the providers' price settings
     * @return the checked table
     * @throws IllegalArgumentException naming the setting and value that is not a usable price or currency
     */
    @Bean
    PriceTable priceTable(@Value("${imagebatch.spend.currency:" + PriceTable.DEFAULT_CURRENCY + "}") String currency,
            SpendProperties properties) {
        return PriceTable.from(currency, properties);
    }

    /**
     * The reservations made beside the batch budget's ({@link SpendReservations}).
     * DAILY BUDGET CALL SITE: the lead wires the daily budgets per provider key ({@code DailyBudgets}) here.
     *
     * @return none yet: {@link SpendReservations#NONE}
     */
    @Bean
    SpendReservations spendReservations() {
        return SpendReservations.NONE;
    }
}
