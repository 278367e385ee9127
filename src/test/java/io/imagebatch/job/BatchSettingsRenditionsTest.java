package io.imagebatch.job;

import static org.assertj.core.api.Assertions.assertThat;

import io.imagebatch.catalogue.CatalogueFormat;
import io.imagebatch.provider.RequestDefaults;
import io.imagebatch.rendition.Rendition;
import java.awt.Color;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Renditions in a batch's settings: part of its identity, kept through the JSON stored in {@code IB_BATCH}. */
class BatchSettingsRenditionsTest {

    private static final Rendition SHOP = new Rendition("shop", 1000, 1000, Rendition.Fit.PAD, Color.WHITE,
            Rendition.Format.JPG, 85);

    @Test
    void renditionsChangeTheBatchIdAndABatchWithoutThemKeepsItsId() {
        BatchSettings plain = settings(List.of());
        BatchSettings withShop = settings(List.of(SHOP));
        BatchSettings withOtherSize = settings(List.of(new Rendition("shop", 1200, 1000, Rendition.Fit.PAD,
                Color.WHITE, Rendition.Format.JPG, 85)));

        assertThat(plain.batchId()).isEqualTo(new BatchSettings("demo", "/c.csv", "ab", 3,
                new CatalogueFormat(',', Map.of(), null), "liangxin", null,
                new RequestDefaults(null, null, null), "file:out", false, "file:/out").batchId());
        assertThat(withShop.batchId()).isNotEqualTo(plain.batchId()).isNotEqualTo(withOtherSize.batchId());
        assertThat(settings(List.of(SHOP)).batchId()).isEqualTo(withShop.batchId());
        assertThat(withShop.asSandbox().renditions()).containsExactly(SHOP);
        assertThat(withShop.withCatalogue("/copy.csv").batchId()).isEqualTo(withShop.batchId());
    }

    @Test
    void renditionsSurviveTheStoredJsonAndOlderJsonReadsAsNone() {
        BatchSettings withShop = settings(List.of(SHOP,
                new Rendition("story", 1080, 1920, Rendition.Fit.CROP, "#102030", Rendition.Format.WEBP, 70)));

        BatchSettings read = BatchSettings.fromJson(withShop.toJson());

        assertThat(read).isEqualTo(withShop);
        assertThat(read.batchId()).isEqualTo(withShop.batchId());
        String older = settings(List.of()).toJson().replace(",\"renditions\":[]", "");
        assertThat(older).doesNotContain("renditions");
        assertThat(BatchSettings.fromJson(older).renditions()).isEmpty();
    }

    private static BatchSettings settings(List<Rendition> renditions) {
        return new BatchSettings("demo", "/c.csv", "ab", 3, new CatalogueFormat(',', Map.of(), null), "liangxin",
                null, new RequestDefaults(null, null, null), "file:out", false, "file:/out", renditions);
    }
}
