package io.imagebatch.provider.mingyan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.imagebatch.catalogue.CatalogueRow;
import io.imagebatch.provider.ImageRequest;
import io.imagebatch.provider.RequestDefaults;
import io.imagebatch.provider.RowRejectedException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** mingyan's input rules on their own, without HTTP (mingyan-nano-banana-create-task.txt). */
class MingyanRulesTest {

    private static CatalogueRow row(long n, String prompt, String aspectRatio, String resolution, String format,
            List<String> references) {
        return new CatalogueRow(n, "sku-" + n, prompt, null, null, aspectRatio, resolution, format, references, null);
    }

    @Test
    void resolutionIsSentLowerCaseOnlyForTheModelsThatHonourIt() throws Exception {
        ImageRequest pro = MingyanRules.prepare(row(1, "a cat", null, "2K", null, List.of()), "NANO-BANANA-PRO",
                RequestDefaults.none());
        assertThat(pro.model()).isEqualTo(MingyanRules.NANO_BANANA_PRO);
        assertThat(pro.resolution()).isEqualTo("2k");
        assertThat(pro.aspectRatio()).isNull();
        assertThat(pro.outputFormat()).isNull();

        assertThat(MingyanRules.prepare(row(1, "a cat", null, "1K", null, List.of()), MingyanRules.NANO_BANANA,
                RequestDefaults.none()).resolution()).isNull();
    }

    @Test
    void fourKOnAModelThatIgnoresResolutionIsRejectedNamingRowColumnAndRule() {
        assertThatThrownBy(() -> MingyanRules.prepare(row(8, "a cat", null, "4K", null, List.of()),
                MingyanRules.NANO_BANANA, RequestDefaults.none()))
                .isInstanceOfSatisfying(RowRejectedException.class, e -> {
                    assertThat(e.column()).isEqualTo("resolution");
                    assertThat(e.getMessage()).startsWith("row 8, column resolution:")
                            .contains("ignores resolution", MingyanRules.NANO_BANANA_2);
                });
    }

    @Test
    void aFormatOtherThanPngDataUrisAndSevenReferencesAreRejected() {
        assertThatThrownBy(() -> MingyanRules.prepare(row(3, "a cat", null, null, "webp", List.of()),
                MingyanRules.NANO_BANANA, RequestDefaults.none()))
                .hasMessageStartingWith("row 3, column output_format:");
        assertThatThrownBy(() -> MingyanRules.prepare(row(3, "a cat", null, null, null,
                List.of("data:image/png;base64,AAAA")), MingyanRules.NANO_BANANA, RequestDefaults.none()))
                .hasMessageStartingWith("row 3, column reference_images: a data URI");
        assertThatThrownBy(() -> MingyanRules.prepare(row(3, "a cat", null, null, null,
                java.util.Collections.nCopies(7, "https://e.com/a.png")), MingyanRules.NANO_BANANA,
                RequestDefaults.none()))
                .hasMessageStartingWith("row 3, column reference_images: 7 images");
        assertThatThrownBy(() -> MingyanRules.prepare(row(3, "a cat", null, null, null, List.of()), "gpt-image",
                RequestDefaults.none())).hasMessageStartingWith("row 3, column model:");
    }
}
