package io.imagebatch.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.imagebatch.catalogue.CatalogueFormat;
import io.imagebatch.provider.RequestDefaults;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The number of variants in a batch's settings (README.md, Variants): part of its identity only when not 1, kept
 * through the JSON stored in {@code IB_BATCH}, settings stored before it existed reading as 1.
 */
class BatchSettingsVariantsTest {

    @Test
    void variantsOtherThanOneChangeTheBatchIdAndOneKeepsTheIdABatchAlwaysHad() {
        BatchSettings before = new BatchSettings("demo", "/c.csv", "ab", 3, new CatalogueFormat(',', Map.of(), null),
                "liangxin", null, new RequestDefaults(null, null, null), "file:out", false, "file:/out", List.of());

        assertThat(settings(1).batchId()).isEqualTo(before.batchId());
        assertThat(settings(2).batchId()).isNotEqualTo(before.batchId()).isNotEqualTo(settings(3).batchId());
        assertThat(settings(2).batchId()).isEqualTo(settings(2).batchId());
        assertThat(settings(2).asSandbox().variants()).isEqualTo(2);
        assertThat(settings(2).withCatalogue("/copy.csv").batchId()).isEqualTo(settings(2).batchId());
    }

    @Test
    void variantsSurviveTheStoredJsonAndOlderJsonReadsAsOne() {
        assertThat(BatchSettings.fromJson(settings(4).toJson())).isEqualTo(settings(4));
        String older = settings(1).toJson().replace(",\"variants\":1", "");
        assertThat(older).doesNotContain("variants");
        assertThat(BatchSettings.fromJson(older).variants()).isEqualTo(1);
        assertThat(BatchSettings.fromJson(older).batchId()).isEqualTo(settings(1).batchId());
    }

    @Test
    void aNumberOutsideOneToEightIsNotAVariantCount() {
        assertThat(BatchSettings.variantsOf("8")).isEqualTo(8);
        assertThat(BatchSettings.variantsOf(" 2 ")).isEqualTo(2);
        assertThat(BatchSettings.variantsOf(null)).isEqualTo(1);
        assertThat(BatchSettings.variantsOf("9")).isNull();
        assertThat(BatchSettings.variantsOf("0")).isNull();
        assertThat(BatchSettings.variantsOf("two")).isNull();
        assertThatThrownBy(() -> settings(9)).isInstanceOf(IllegalArgumentException.class);
    }

    private static BatchSettings settings(int variants) {
        return new BatchSettings("demo", "/c.csv", "ab", 3, new CatalogueFormat(',', Map.of(), null), "liangxin",
                null, new RequestDefaults(null, null, null), "file:out", false, "file:/out", List.of(), null, variants, List.of());
    }
}
