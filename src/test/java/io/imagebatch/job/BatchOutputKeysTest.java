package io.imagebatch.job;

import static org.assertj.core.api.Assertions.assertThat;

import io.imagebatch.catalogue.CatalogueFormat;
import io.imagebatch.provider.RequestDefaults;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Object keys and batch ids: deterministic, safe, distinct. */
class BatchOutputKeysTest {

    @Test
    void safeIdsAreKeptAndOthersAreCleanedWithoutCollisions() {
        assertThat(BatchOutputKeys.safeRowId("NB-1001")).isEqualTo("NB-1001");
        assertThat(BatchOutputKeys.safeRowId("a/b")).startsWith("a_b-").hasSize(12);
        assertThat(BatchOutputKeys.safeRowId("a/b")).isNotEqualTo(BatchOutputKeys.safeRowId("a_b"))
                .isNotEqualTo(BatchOutputKeys.safeRowId("a?b"));
        assertThat(BatchOutputKeys.safeRowId("..")).doesNotContain("/").isNotEqualTo("..");
        assertThat(BatchOutputKeys.safeRowId("Füße 1")).matches("[A-Za-z0-9._-]+");
        assertThat(BatchOutputKeys.imageStem("demo-abc", "NB-1")).isEqualTo("demo-abc/NB-1");
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

    @TempDir
    Path dir;

    @Test
    void idsThatDifferOnlyInCaseGetKeysThatDifferIgnoringCaseTheSameAtEveryRun() throws Exception {
        Path catalogue = Files.writeString(dir.resolve("c.csv"),
                "id,prompt\nNB-1,a\nnb-1,b\nNB-2,c\nSku.3,d\nsku.3,e\nSKU.3,f\nplain,g\n");
        BatchSettings batch = new BatchSettings("c", catalogue.toString(), "ab12", 7, CatalogueFormat.defaults(),
                "liangxin", null, RequestDefaults.none(), "file:/out");

        Set<String> collisions = BatchOutputKeys.caseCollisions(batch);

        List<String> ids = List.of("NB-1", "nb-1", "NB-2", "Sku.3", "sku.3", "SKU.3", "plain");
        List<String> keys = ids.stream().map(id -> BatchOutputKeys.imageStem("b", id, collisions)).toList();
        Set<String> folded = new HashSet<>();
        keys.forEach(k -> assertThat(folded.add(k.toLowerCase(Locale.ROOT))).as("unique ignoring case: %s", k).isTrue());
        // ids that collide with no other keep their plain key
        assertThat(BatchOutputKeys.imageStem("b", "NB-2", collisions)).isEqualTo("b/NB-2");
        assertThat(BatchOutputKeys.imageStem("b", "plain", collisions)).isEqualTo("b/plain");
        assertThat(BatchOutputKeys.imageStem("b", "NB-1", collisions)).matches("b/NB-1-[0-9a-f]{8}");
        // deterministic: the same catalogue gives the same keys at every run and restart
        assertThat(ids.stream().map(id -> BatchOutputKeys.imageStem("b", id, BatchOutputKeys.caseCollisions(batch))).toList())
                .isEqualTo(keys);
    }

    @Test
    void aSandboxRunIsAnotherBatchThanTheRealRunOfTheSameCatalogue() {
        BatchSettings real = new BatchSettings("demo", "/x/cat.csv", "ab12", 10, CatalogueFormat.defaults(),
                "liangxin", null, RequestDefaults.none(), "file:./output");
        BatchSettings sandbox = real.asSandbox();

        assertThat(sandbox.sandbox()).isTrue();
        assertThat(sandbox.batchId()).isNotEqualTo(real.batchId());
        assertThat(BatchSettings.fromJson(sandbox.toJson())).isEqualTo(sandbox);
        assertThat(BatchSettings.fromJson(sandbox.toJson()).batchId()).isEqualTo(sandbox.batchId());
        // settings stored before the flag existed read as a real batch, with the id they always had
        String old = real.toJson().replace(",\"sandbox\":false", "").replace(",\"absoluteOutput\":null", "");
        assertThat(old).doesNotContain("sandbox").doesNotContain("absoluteOutput");
        assertThat(BatchSettings.fromJson(old)).isEqualTo(real);
        assertThat(real.destination()).isEqualTo("file:./output");
    }
}
