package io.imagebatch.spend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

/** {@link SpendEstimate}: (valid - already sent) x price per group, summed; nothing guessed. */
class SpendEstimateTest {

    private static PriceTable table(Map<String, String> settings) {
        SpendProperties properties = new Binder(new MapConfigurationPropertySource(settings))
                .bind("imagebatch.providers", SpendProperties.class).orElseGet(SpendProperties::none);
        return PriceTable.from(settings.get("imagebatch.spend.currency"), properties);
    }

    @Test
    void theTotalStillToSpendIsValidRowsNotYetSentTimesTheirPriceSummed() {
        PriceTable prices = table(Map.of("imagebatch.providers.liangxin.price-per-image", "0.04",
                "imagebatch.providers.liangxin.prices.nano-banana-pro.4K", "0.24"));

        SpendEstimate estimate = SpendEstimate.of(prices, List.of(
                new SpendEstimate.Group("liangxin", "nano-banana-pro", "4K", 12, 2),
                new SpendEstimate.Group("liangxin", "nano-banana-pro-flash", "1K", 30, 0)));

        assertThat(estimate.total()).isEqualByComparingTo("3.60"); // 10 x 0.24 + 30 x 0.04
        assertThat(estimate.batchTotal()).isEqualByComparingTo("4.08"); // 12 x 0.24 + 30 x 0.04
        assertThat(estimate.complete()).isTrue();
        assertThat(estimate.describe()).containsExactly(
                "  liangxin/nano-banana-pro 4K: 12 valid, 2 already sent, price 0.24, subtotal 2.40 USD",
                "  liangxin/nano-banana-pro-flash 1K: 30 valid, 0 already sent, price 0.04, subtotal 1.20 USD",
                "  total still to spend: 3.60 USD");
    }

    @Test
    void aGroupWithoutAPriceIsNamedAndMakesTheTotalIncompleteNeverGuessed() {
        PriceTable prices = table(Map.of("imagebatch.providers.liangxin.prices.nano-banana-pro-flash", "0.04",
                "imagebatch.spend.currency", "credits"));

        SpendEstimate estimate = SpendEstimate.of(prices, List.of(
                new SpendEstimate.Group("liangxin", "nano-banana-pro", "4K", 5, 1),
                new SpendEstimate.Group("liangxin", "nano-banana-pro-flash", "1K", 3, 0)));

        assertThat(estimate.complete()).isFalse();
        assertThat(estimate.unpriced()).containsExactly("liangxin/nano-banana-pro 4K");
        assertThat(estimate.total()).isEqualByComparingTo("0.12");
        assertThat(estimate.describe()).containsExactly(
                "  liangxin/nano-banana-pro 4K: 5 valid, 1 already sent, no price for liangxin/nano-banana-pro 4K",
                "  liangxin/nano-banana-pro-flash 1K: 3 valid, 0 already sent, price 0.04, subtotal 0.12 credits",
                "  total still to spend: 0.12 credits (incomplete: no price for liangxin/nano-banana-pro 4K)");
        assertThat(estimate.toJson().get("groups").get(0).get("price").isNull()).isTrue();
        assertThat(estimate.toJson().get("unpriced").get(0).asString()).isEqualTo("liangxin/nano-banana-pro 4K");
    }

    @Test
    void anUnpricedGroupWhoseRowsAreAllSentLeavesTheRemainderComplete() {
        SpendEstimate estimate = SpendEstimate.of(PriceTable.none(),
                List.of(new SpendEstimate.Group("crun", "google/nano-banana", null, 4, 4)));

        assertThat(estimate.complete()).isTrue();
        assertThat(estimate.batchComplete()).isFalse();
        assertThat(estimate.total()).isEqualByComparingTo(BigDecimal.ZERO);
    }

    @Test
    void moreRowsSentThanValidIsNotACount() {
        assertThatThrownBy(() -> new SpendEstimate.Group("hiapi", "m", "2K", 1, 2))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("hiapi/m 2K");
    }
}
