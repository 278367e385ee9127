package io.imagebatch.spend;

import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The price settings of every provider, bound from {@code imagebatch.providers.<name>.*} beside the connection
 * settings (docs/design.md, Spend). Kept as text here so that a value that is not a number is refused by
 * {@link PriceTable#from} with the setting's name and value, before anything is sent, instead of failing the
 * start-up with a binder trace. One named component per provider, as {@code ProvidersProperties}, so that
 * environment variables such as {@code IMAGEBATCH_PROVIDERS_CRUN_PRICEPERIMAGE} bind without ambiguity.
 *
 * @param liangxin {@code imagebatch.providers.liangxin.*}
 * @param mingyan  {@code imagebatch.providers.mingyan.*}
 * @param hiapi    {@code imagebatch.providers.hiapi.*}
 * @param crun     {@code imagebatch.providers.crun.*}
 */
@ConfigurationProperties("imagebatch.providers")
public record SpendProperties(Prices liangxin, Prices mingyan, Prices hiapi, Prices crun) {

    public SpendProperties {
        liangxin = orEmpty(liangxin);
        mingyan = orEmpty(mingyan);
        hiapi = orEmpty(hiapi);
        crun = orEmpty(crun);
    }

    /** @return no price configured for any provider */
    public static SpendProperties none() {
        return new SpendProperties(null, null, null, null);
    }

    private static Prices orEmpty(Prices prices) {
        return prices != null ? prices : new Prices(null, null, null, null);
    }

    /**
     * One provider's prices, in the currency {@code imagebatch.spend.currency}.
     *
     * @param pricePerImage  {@code price-per-image}: a decimal, the price of one image of any model and resolution
     *                       without a more specific price; null when not set
     * @param prices         {@code prices.<model>.<resolution>} or {@code prices.<model>}: decimals that override
     *                       {@code pricePerImage} for one model, or one model at one resolution (keys as Spring
     *                       binds them: {@code "nano-banana-pro.4K"}, {@code "nano-banana-pro"}; a model with a
     *                       {@code /} or {@code .} is written in brackets, {@code prices.[google/nano-banana].2K});
     *                       never null
     * @param chargesFailed  {@code charges-failed}: whether the provider charges a generation it reports failed;
     *                       null means true (pay for what you cannot prove free)
     * @param dailyBudget    {@code daily-budget}: the most this provider's key may be committed for per UTC day,
     *                       across every batch and process on the database; null for no daily budget
     */
    public record Prices(String pricePerImage, Map<String, String> prices, Boolean chargesFailed,
            String dailyBudget) {

        public Prices {
            prices = prices == null ? Map.of() : Map.copyOf(prices);
        }
    }
}
