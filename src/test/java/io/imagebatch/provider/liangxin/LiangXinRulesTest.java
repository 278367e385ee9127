package io.imagebatch.provider.liangxin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.imagebatch.catalogue.CatalogueRow;
import io.imagebatch.provider.RequestDefaults;
import io.imagebatch.provider.RowRejectedException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** LiangXin's input rules on their own, without HTTP (liangxin-nano-banana-pro-flash-reference.txt). */
class LiangXinRulesTest {

    private static CatalogueRow row(long n, String prompt, String aspectRatio, String resolution, String format,
            List<String> references) {
        return new CatalogueRow(n, "sku-" + n, prompt, null, null, aspectRatio, resolution, format, references, null);
    }

    @Test
    void theDefaultResolutionIs1KForFlashAnd2KForPro() throws Exception {
        assertThat(LiangXinRules.prepare(row(1, "a cat", null, null, null, List.of()), LiangXinRules.FLASH,
                RequestDefaults.none()).resolution()).isEqualTo("1K");
        assertThat(LiangXinRules.prepare(row(1, "a cat", null, null, null, List.of()), LiangXinRules.PRO,
                RequestDefaults.none()).resolution()).isEqualTo("2K");
    }

    @Test
    void aOneCharacterPromptIsRejectedNamingRowColumnAndTheDocumentedRange() {
        assertThatThrownBy(() -> LiangXinRules.prepare(row(12, "x", null, null, null, List.of()), LiangXinRules.FLASH,
                RequestDefaults.none()))
                .isInstanceOfSatisfying(RowRejectedException.class, e -> {
                    assertThat(e.column()).isEqualTo("prompt");
                    assertThat(e.getMessage()).isEqualTo("row 12, column prompt: 1 character; LiangXin"
                            + " nano-banana-pro-flash takes 2 to 3000 characters");
                });
    }

    @Test
    void referencesMustBeAtMostThreeImagesOfTheDocumentedTypes() {
        assertThatThrownBy(() -> LiangXinRules.prepare(row(5, "a cat", null, null, null,
                List.of("https://example.com/a.gif")), LiangXinRules.FLASH, RequestDefaults.none()))
                .hasMessageStartingWith("row 5, column reference_images:").hasMessageContaining(".webp");
        assertThatThrownBy(() -> LiangXinRules.prepare(row(5, "a cat", null, null, null,
                List.of("https://e.com/1.png", "https://e.com/2.png", "https://e.com/3.png", "https://e.com/4.png")),
                LiangXinRules.FLASH, RequestDefaults.none()))
                .hasMessageStartingWith("row 5, column reference_images: 4 images");
    }

    @Test
    void otherMarketModelsAndFormatsOtherThanPngAreRejected() {
        assertThatThrownBy(() -> LiangXinRules.prepare(row(6, "a cat", null, null, null, List.of()), "flux-kontext",
                RequestDefaults.none())).hasMessageStartingWith("row 6, column model:");
        assertThatThrownBy(() -> LiangXinRules.prepare(row(6, "a cat", null, null, "jpeg", List.of()),
                LiangXinRules.FLASH, RequestDefaults.none())).hasMessageStartingWith("row 6, column output_format:");
    }
}
