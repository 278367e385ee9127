package io.imagebatch.spend;

import java.math.BigDecimal;
import java.time.LocalDate;

/**
 * One provider key's spend on one UTC day of the database's clock, as {@link DailyBudgets#today} reports it for
 * {@code status} and metrics (README.md, Spend: the daily budget per provider key).
 *
 * @param provider       the provider's name, e.g. {@code liangxin}
 * @param keyFingerprint the provider key's fingerprint ({@link DailyBudgets#fingerprint}): 16 lower-case hex
 *                       characters, never the key itself
 * @param day            the UTC day on the database's clock
 * @param committed      what was reserved on that day and not given back, in {@code imagebatch.spend.currency};
 *                       0 when nothing was
 * @param budget         {@code imagebatch.providers.<name>.daily-budget}, in the same currency
 */
public record DailySpend(String provider, String keyFingerprint, LocalDate day, BigDecimal committed,
        BigDecimal budget) {

    /** @return what may still be reserved on that day: {@code budget - committed}, never below 0 */
    public BigDecimal remaining() {
        return budget.subtract(committed).max(BigDecimal.ZERO);
    }
}
