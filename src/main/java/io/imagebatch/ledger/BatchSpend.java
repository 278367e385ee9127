package io.imagebatch.ledger;

import java.math.BigDecimal;
import java.util.Optional;

/**
 * A batch's spend, from {@code IB_BATCH} (docs/design.md, Spend), in {@code imagebatch.spend.currency}.
 *
 * @param budget    the batch budget in force; null when the batch has none
 * @param committed what the batch's creates have reserved and not given back: rows sent, in flight, UNCERTAIN
 *                  (they may have been paid) and failed generations the provider charges; never more than
 *                  {@code budget}
 * @param refunded  what was given back for generations the provider reported failed and does not charge
 */
public record BatchSpend(BigDecimal budget, BigDecimal committed, BigDecimal refunded) {

    /** @return what is left of the budget ({@code budget - committed}), or empty without a budget */
    public Optional<BigDecimal> remaining() {
        return budget == null ? Optional.empty() : Optional.of(budget.subtract(committed));
    }
}
