package io.imagebatch.job;

import static org.assertj.core.api.Assertions.assertThat;

import io.imagebatch.catalogue.CatalogueFormat;
import io.imagebatch.label.MetadataLevel;
import io.imagebatch.provider.RequestDefaults;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code metadata:} in a batch's settings (README.md, "Labelled as AI-generated"): {@code minimal} changes what
 * is delivered, so it is a new batch; the full label (the default) keeps every existing batch id; the stored JSON
 * keeps it and older JSON reads as full.
 */
class BatchSettingsMetadataTest {

    @Test
    void metadataMinimalIsANewBatchAndTheFullLabelKeepsTheBatchIdItAlwaysHad() {
        BatchSettings before = new BatchSettings("demo", "/c.csv", "ab", 3, new CatalogueFormat(',', Map.of(), null),
                "liangxin", null, new RequestDefaults(null, null, null), "file:out", false, "file:/out");

        assertThat(settings(MetadataLevel.FULL).batchId()).isEqualTo(before.batchId());
        assertThat(settings(null).metadata()).isEqualTo(MetadataLevel.FULL);
        assertThat(settings(MetadataLevel.MINIMAL).batchId()).isNotEqualTo(before.batchId());
        assertThat(settings(MetadataLevel.MINIMAL).asSandbox().metadata()).isEqualTo(MetadataLevel.MINIMAL);
        assertThat(settings(MetadataLevel.MINIMAL).withCatalogue("/copy.csv").batchId())
                .isEqualTo(settings(MetadataLevel.MINIMAL).batchId());
    }

    @Test
    void metadataSurvivesTheStoredJsonAndOlderJsonReadsAsFull() {
        BatchSettings minimal = settings(MetadataLevel.MINIMAL);

        assertThat(BatchSettings.fromJson(minimal.toJson())).isEqualTo(minimal);
        String older = settings(MetadataLevel.FULL).toJson().replace(",\"metadata\":\"FULL\"", "");
        assertThat(older).doesNotContain("metadata");
        assertThat(BatchSettings.fromJson(older).metadata()).isEqualTo(MetadataLevel.FULL);
    }

    private static BatchSettings settings(MetadataLevel level) {
        return new BatchSettings("demo", "/c.csv", "ab", 3, new CatalogueFormat(',', Map.of(), null), "liangxin",
                null, new RequestDefaults(null, null, null), "file:out", false, "file:/out", List.of(), level, 1, List.of());
    }
}
