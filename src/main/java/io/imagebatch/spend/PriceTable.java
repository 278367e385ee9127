package io.imagebatch.spend;

import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * What one image costs, per provider, model and resolution, in one currency (docs/design.md, Spend). Nothing is
 * guessed: a row whose price is not configured has no price ({@link #price} is empty), and the estimate and the
 * budget name it ({@link #describe}).
 *
 * <p>Lookup, most specific first: {@code prices.<model>.<resolution>}, then {@code prices.<model>}, then
 * {@code price-per-image}. Model and resolution match without regard to case ({@code 4k} is {@code 4K}).
 */
public final class PriceTable {

    /** The default currency of {@code imagebatch.spend.currency}. */
    public static final String DEFAULT_CURRENCY = "USD";

    private final String currency;
    private final Map<String, ProviderPrices> providers;

    private PriceTable(String currency, Map<String, ProviderPrices> providers) {
        this.currency = currency;
        this.providers = providers;
    }

    /**
     * Reads and checks the price settings.
     *
     * @param currency   {@code imagebatch.spend.currency}: a code such as {@code USD} or {@code EUR}, or
     *                   {@code credits}; null or blank for {@link #DEFAULT_CURRENCY}
     * @param properties the providers' price settings
     * @return the table
     * @throws IllegalArgumentException naming the setting and its value, when a price or daily budget is not a
     *                                  decimal or is negative, or the currency is not 3 letters or
     *                                  {@code credits}
     */
    public static PriceTable from(String currency, SpendProperties properties) {
        String checkedCurrency = checkCurrency(currency);
        Map<String, ProviderPrices> providers = new LinkedHashMap<>();
        providers.put("liangxin", ProviderPrices.of("liangxin", properties.liangxin()));
        providers.put("mingyan", ProviderPrices.of("mingyan", properties.mingyan()));
        providers.put("hiapi", ProviderPrices.of("hiapi", properties.hiapi()));
        providers.put("crun", ProviderPrices.of("crun", properties.crun()));
        return new PriceTable(checkedCurrency, Map.copyOf(providers));
    }

    /** @return a table without any price, in {@link #DEFAULT_CURRENCY} */
    public static PriceTable none() {
        return from(null, SpendProperties.none());
    }

    /** @return the currency every amount of this table is in, e.g. {@code USD} or {@code credits} */
    public String currency() {
        return currency;
    }

    /**
     * @param provider   the provider's name, e.g. {@code liangxin}
     * @param model      the model as the provider spells it, e.g. {@code nano-banana-pro}
     * @param resolution the resolution as the provider spells it, e.g. {@code 4K}, or null when it has none
     * @return the price of one image, or empty when none is configured for it
     */
    public Optional<BigDecimal> price(String provider, String model, String resolution) {
        ProviderPrices prices = providers.get(provider);
        return prices == null ? Optional.empty() : prices.price(model, resolution);
    }

    /**
     * @param provider the provider's name
     * @return whether the provider charges a generation it reports failed ({@code charges-failed}, default true)
     */
    public boolean chargesFailed(String provider) {
        ProviderPrices prices = providers.get(provider);
        return prices == null || prices.chargesFailed;
    }

    /**
     * @param provider the provider's name
     * @return the provider key's budget per UTC day ({@code daily-budget}), or empty when none is set
     */
    public Optional<BigDecimal> dailyBudget(String provider) {
        ProviderPrices prices = providers.get(provider);
        return prices == null ? Optional.empty() : Optional.ofNullable(prices.dailyBudget);
    }

    /**
     * @return how a user names a price: {@code liangxin/nano-banana-pro 4K}, or {@code crun/google/nano-banana}
     *         without a resolution
     */
    public static String describe(String provider, String model, String resolution) {
        return provider + "/" + model + (resolution == null || resolution.isBlank() ? "" : " " + resolution);
    }

    /**
     * Formats an amount as the estimate and the budget messages print it: at least two decimals, more when the
     * amount has them ({@code 50.00}, {@code 0.039}).
     *
     * @param amount an amount in {@link #currency()}
     * @return the amount as text, without the currency
     */
    public static String format(BigDecimal amount) {
        BigDecimal plain = amount.stripTrailingZeros();
        return plain.setScale(Math.max(2, plain.scale())).toPlainString();
    }

    /**
     * Reads a decimal setting.
     *
     * @param setting the setting's name, for the message
     * @param value   the text; null or blank for none
     * @return the amount, or null when none is given
     * @throws IllegalArgumentException naming the setting and the value, when it is not a decimal or is negative
     */
    public static BigDecimal amount(String setting, String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        BigDecimal amount;
        try {
            amount = new BigDecimal(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(setting + ": '" + value + "' is not a decimal number");
        }
        if (amount.signum() < 0) {
            throw new IllegalArgumentException(setting + ": '" + value + "' is negative");
        }
        return amount;
    }

    private static String checkCurrency(String currency) {
        if (currency == null || currency.isBlank()) {
            return DEFAULT_CURRENCY;
        }
        String trimmed = currency.trim();
        if (trimmed.equalsIgnoreCase("credits")) {
            return "credits";
        }
        if (!trimmed.matches("[A-Za-z]{3}")) {
            throw new IllegalArgumentException("imagebatch.spend.currency: '" + currency
                    + "' is neither a three-letter currency code (USD, EUR, CNY) nor 'credits'");
        }
        return trimmed.toUpperCase(Locale.ROOT);
    }

    /** One provider's checked prices. */
    private record ProviderPrices(BigDecimal perImage, Map<String, BigDecimal> byKey, boolean chargesFailed,
            BigDecimal dailyBudget) {

        static ProviderPrices of(String provider, SpendProperties.Prices prices) {
            String prefix = "imagebatch.providers." + provider + ".";
            Map<String, BigDecimal> byKey = new LinkedHashMap<>();
            prices.prices().forEach((key, value) -> byKey.put(key.toLowerCase(Locale.ROOT),
                    amount(prefix + "prices." + key, value)));
            byKey.values().removeIf(v -> v == null);
            return new ProviderPrices(amount(prefix + "price-per-image", prices.pricePerImage()), byKey,
                    prices.chargesFailed() == null || prices.chargesFailed(),
                    amount(prefix + "daily-budget", prices.dailyBudget()));
        }

        Optional<BigDecimal> price(String model, String resolution) {
            String modelKey = model == null ? "" : model.toLowerCase(Locale.ROOT);
            if (resolution != null && !resolution.isBlank()) {
                BigDecimal exact = byKey.get(modelKey + "." + resolution.toLowerCase(Locale.ROOT));
                if (exact != null) {
                    return Optional.of(exact);
                }
            }
            BigDecimal forModel = byKey.get(modelKey);
            return Optional.ofNullable(forModel != null ? forModel : perImage);
        }
    }
}
