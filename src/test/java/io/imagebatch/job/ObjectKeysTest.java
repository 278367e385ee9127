package io.imagebatch.job;

import static org.assertj.core.api.Assertions.assertThat;

import io.imagebatch.catalogue.CatalogueFormat;
import io.imagebatch.provider.RequestDefaults;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Object keys and batch ids: deterministic, safe, distinct. */
class ObjectKeysTest {

    @Test
    void safeIdsAreKeptAndOthersAreCleanedWithoutCollisions() {
        assertThat(ObjectKeys.safeRowId("NB-1001")).isEqualTo("NB-1001");
        assertThat(ObjectKeys.safeRowId("a/b")).startsWith("a_b-").hasSize(12);
        assertThat(ObjectKeys.safeRowId("a/b")).isNotEqualTo(ObjectKeys.safeRowId("a_b"))
                .isNotEqualTo(ObjectKeys.safeRowId("a?b"));
        assertThat(ObjectKeys.safeRowId("..")).doesNotContain("/").isNotEqualTo("..");
        assertThat(ObjectKeys.safeRowId("Füße 1")).matches("[A-Za-z0-9._-]+");
        assertThat(ObjectKeys.imageStem("demo-abc", "NB-1")).isEqualTo("demo-abc/NB-1");
    }

    @Test
    void theBatchIdFollowsContentAndSettingsNotThePath() {
        BatchSettings a = new BatchSettings("Spring Sale!", "/x/cat.csv", "ab12", 10,
                new CatalogueFormat(null, Map.of("id", "sku"), null), "liangxin", null, RequestDefaults.none(),
                "file:./output");
        BatchSettings moved = new BatchSettings("Spring Sale!", "/elsewhere/cat.csv", "ab12", 10,
                new CatalogueFormat(null, Map.of("id", "sku"), null), "liangxin", null, RequestDefaults.none(),
                "file:./output");
        BatchSettings changed = new BatchSettings("Spring Sale!", "/x/cat.csv", "cd34", 10,
                new CatalogueFormat(null, Map.of("id", "sku"), null), "liangxin", null, RequestDefaults.none(),
                "file:./output");
        assertThat(a.batchId()).matches("spring-sale-[0-9a-f]{12}");
        assertThat(moved.batchId()).isEqualTo(a.batchId());
        assertThat(changed.batchId()).isNotEqualTo(a.batchId());
        assertThat(BatchSettings.fromJson(a.toJson())).isEqualTo(a);
    }
}
