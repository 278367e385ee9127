package io.imagebatch.spend;

import java.math.BigDecimal;

/**
 * The batch budget as a user gives it ({@code --budget}, a job file's {@code budget:}, {@code IMAGEBATCH_BUDGET};
 * docs/design.md, Spend), and the words of a row it holds.
 */
public final class Budget {

    private Budget() {
    }

    /**
     * Reads a budget.
     *
     * @param setting  where it was given, for the message, e.g. {@code --budget}
     * @param text     a positive decimal, optionally followed by the currency: {@code 50}, {@code 50.00 USD};
     *                 null or blank for none
     * @param currency {@code imagebatch.spend.currency} ({@link PriceTable#currency()})
     * @return the amount, or null when none is given
     * @throws IllegalArgumentException naming the setting and the value, when it is not a positive decimal or
     *                                  names another currency than {@code currency}
     */
    public static BigDecimal parse(String setting, String text, String currency) {
        if (text == null || text.isBlank()) {
            return null;
        }
        String[] parts = text.trim().split("\\s+");
        if (parts.length > 2) {
            throw new IllegalArgumentException(setting + ": '" + text + "' is not an amount such as 50 or 50.00 "
                    + currency);
        }
        if (parts.length == 2 && !parts[1].equalsIgnoreCase(currency)) {
            throw new IllegalArgumentException(setting + ": '" + text + "' is in " + parts[1]
                    + ", but prices are in " + currency + " (imagebatch.spend.currency)");
        }
        BigDecimal amount;
        try {
            amount = new BigDecimal(parts[0]);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(setting + ": '" + text + "' is not a decimal number");
        }
        if (amount.signum() <= 0) {
            throw new IllegalArgumentException(setting + ": '" + text + "' is not positive");
        }
        return amount;
    }

    /**
     * The reason of a row the batch budget holds.
     *
     * @param committed what the batch is committed for, in {@code currency}
     * @param budget    the batch budget
     * @param currency  {@code imagebatch.spend.currency}
     * @param cost      the row's price
     * @return {@code budget: 49.96 of 50.00 USD committed, this row costs 0.04}
     */
    public static String heldReason(BigDecimal committed, BigDecimal budget, String currency, BigDecimal cost) {
        return "budget: " + PriceTable.format(committed) + " of " + PriceTable.format(budget) + " " + currency
                + " committed, this row costs " + PriceTable.format(cost);
    }
}
