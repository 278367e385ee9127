package io.imagebatch.spend;

import java.math.BigDecimal;
import java.util.Optional;

/**
 * Reservations beyond the batch budget, made in the same transaction as a row's intent and its batch-budget
 * reservation ({@code LedgerBudget.reserveIntent}), and given back in the same transaction as the change that frees
 * them (docs/design.md, Spend). The daily budget per provider key ({@code DailyBudgets}) is the one such
 * reservation ({@code SpendConfiguration#spendReservations}); {@link #NONE} reserves nothing.
 *
 * <p>Both methods run inside the caller's transaction (the ledger's DataSource, a Spring-managed transaction):
 * what they write commits or rolls back with the row's intent.
 */
public interface SpendReservations {

    /** Reserves nothing and never holds a row. */
    SpendReservations NONE = new SpendReservations() {
        @Override
        public Optional<String> reserve(String provider, BigDecimal amount) {
            return Optional.empty();
        }

        @Override
        public void release(String provider, BigDecimal amount) {
        }
    };

    /**
     * Reserves a row's price.
     *
     * @param provider the row's provider, e.g. {@code hiapi}
     * @param amount   the row's price, in {@code imagebatch.spend.currency}; positive
     * @return empty when reserved; otherwise why the row is held, as {@link #dailyBudgetReason} words it
     */
    Optional<String> reserve(String provider, BigDecimal amount);

    /**
     * Gives back what {@link #reserve} reserved for a row whose create certainly did not happen, or whose failed
     * generation the provider does not charge.
     *
     * @param provider the row's provider
     * @param amount   the amount reserved
     */
    void release(String provider, BigDecimal amount);

    /**
     * The reason of a row held by a provider's daily budget (docs/design.md, Spend).
     *
     * @param committedToday what the provider's key is committed for today (UTC), in {@code currency}
     * @param dailyBudget    the provider's {@code daily-budget}
     * @param currency       {@code imagebatch.spend.currency}
     * @param provider       the provider
     * @param cost           the row's price
     * @return {@code daily budget: 119.98 of 120.00 USD committed today for hiapi, this row costs 0.04}
     */
    static String dailyBudgetReason(BigDecimal committedToday, BigDecimal dailyBudget, String currency,
            String provider, BigDecimal cost) {
        return "daily budget: " + PriceTable.format(committedToday) + " of " + PriceTable.format(dailyBudget) + " "
                + currency + " committed today for " + provider + ", this row costs " + PriceTable.format(cost);
    }
}
