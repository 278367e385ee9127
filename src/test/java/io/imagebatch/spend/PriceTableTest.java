package io.imagebatch.spend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

class PriceTableTest {

    private static PriceTable bind(Map<String, String> settings) {
        SpendProperties properties = new Binder(new MapConfigurationPropertySource(settings))
                .bind("imagebatch.providers", SpendProperties.class).orElseGet(SpendProperties::none);
        return PriceTable.from(settings.get("imagebatch.spend.currency"), properties);
    }

    @Test
    void theMostSpecificPriceWinsModelAndResolutionThenModelThenPricePerImage() {
        PriceTable table = bind(Map.of(
                "imagebatch.providers.liangxin.price-per-image", "0.04",
                "imagebatch.providers.liangxin.prices.nano-banana-pro", "0.09",
                "imagebatch.providers.liangxin.prices.nano-banana-pro.4K", "0.24"));

        assertThat(table.price("liangxin", "nano-banana-pro", "4K")).contains(new BigDecimal("0.24"));
        assertThat(table.price("liangxin", "nano-banana-pro", "4k")).contains(new BigDecimal("0.24"));
        assertThat(table.price("liangxin", "nano-banana-pro", "2K")).contains(new BigDecimal("0.09"));
        assertThat(table.price("liangxin", "nano-banana-pro", null)).contains(new BigDecimal("0.09"));
        assertThat(table.price("liangxin", "nano-banana-pro-flash", "1K")).contains(new BigDecimal("0.04"));
        assertThat(table.currency()).isEqualTo("USD");
    }

    @Test
    void nothingIsGuessedWhereNoPriceIsConfigured() {
        PriceTable table = bind(Map.of("imagebatch.providers.mingyan.prices.nano-banana.1K", "0.02"));

        assertThat(table.price("mingyan", "nano-banana", "2K")).isEmpty();
        assertThat(table.price("hiapi", "Nano-Banana-Pro", "4K")).isEmpty();
        assertThat(PriceTable.describe("liangxin", "nano-banana-pro", "4K")).isEqualTo("liangxin/nano-banana-pro 4K");
        assertThat(PriceTable.describe("crun", "google/nano-banana", null)).isEqualTo("crun/google/nano-banana");
    }

    @Test
    void aModelWithASlashIsPricedInBrackets() {
        PriceTable table = bind(Map.of("imagebatch.providers.crun.prices.[google/nano-banana].2K", "0.05",
                "imagebatch.spend.currency", "credits"));

        assertThat(table.price("crun", "google/nano-banana", "2K")).contains(new BigDecimal("0.05"));
        assertThat(table.currency()).isEqualTo("credits");
    }

    @Test
    void chargesFailedIsTrueUnlessSetOffAndADailyBudgetIsOptional() {
        PriceTable table = bind(Map.of("imagebatch.providers.hiapi.charges-failed", "false",
                "imagebatch.providers.hiapi.daily-budget", "120.50"));

        assertThat(table.chargesFailed("hiapi")).isFalse();
        assertThat(table.chargesFailed("crun")).isTrue();
        assertThat(table.dailyBudget("hiapi")).contains(new BigDecimal("120.50"));
        assertThat(table.dailyBudget("crun")).isEmpty();
    }

    @Test
    void aPriceThatIsNotADecimalOrNegativeIsRefusedNamingTheSettingAndValue() {
        assertThatThrownBy(() -> bind(Map.of("imagebatch.providers.liangxin.price-per-image", "four cents")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("imagebatch.providers.liangxin.price-per-image: 'four cents' is not a decimal number");
        assertThatThrownBy(() -> bind(Map.of("imagebatch.providers.crun.prices.[google/nano-banana].2K", "-1")))
                .hasMessage("imagebatch.providers.crun.prices.google/nano-banana.2K: '-1' is negative");
        assertThatThrownBy(() -> bind(Map.of("imagebatch.providers.hiapi.daily-budget", "1e")))
                .hasMessageStartingWith("imagebatch.providers.hiapi.daily-budget: '1e'");
        assertThatThrownBy(() -> bind(Map.of("imagebatch.spend.currency", "dollars")))
                .hasMessageStartingWith("imagebatch.spend.currency: 'dollars' is neither");
    }

    @Test
    void amountsPrintWithAtLeastTwoDecimals() {
        assertThat(PriceTable.format(new BigDecimal("50"))).isEqualTo("50.00");
        assertThat(PriceTable.format(new BigDecimal("49.960"))).isEqualTo("49.96");
        assertThat(PriceTable.format(new BigDecimal("0.039"))).isEqualTo("0.039");
    }
}
