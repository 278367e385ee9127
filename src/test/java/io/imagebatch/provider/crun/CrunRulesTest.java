package io.imagebatch.provider.crun;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.imagebatch.catalogue.CatalogueRow;
import io.imagebatch.provider.ImageRequest;
import io.imagebatch.provider.RequestDefaults;
import io.imagebatch.provider.RowRejectedException;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/** crun.ai's input rules on their own, without HTTP (docs/providers/crun.md and the crun page). */
class CrunRulesTest {

    private static CatalogueRow row(long n, String prompt, String aspectRatio, String resolution, String format,
            List<String> references) {
        return new CatalogueRow(n, "sku-" + n, prompt, null, null, aspectRatio, resolution, format, references, null);
    }

    @Test
    void aRejectedAspectRatioNamesRowColumnAndTheAcceptedSet() {
        assertThatThrownBy(() -> CrunRules.prepare(row(12, "a cat", "7:3", null, null, List.of()),
                CrunRules.NANO_BANANA, RequestDefaults.none()))
                .isInstanceOfSatisfying(RowRejectedException.class, e -> {
                    assertThat(e.column()).isEqualTo("aspect_ratio");
                    assertThat(e.getMessage()).startsWith("row 12, column aspect_ratio:")
                            .contains("\"7:3\"", "crun.ai google/nano-banana", "16:9");
                });
    }

    @Test
    void theV2ChannelTakesNoFormatAndOnly1K() throws Exception {
        ImageRequest request = CrunRules.prepare(row(3, "a cat", null, "1k", "PNG", List.of()), "Google/Nano-Banana-V2",
                RequestDefaults.none());
        assertThat(request.model()).isEqualTo(CrunRules.NANO_BANANA_V2);
        assertThat(request.resolution()).isEqualTo("1K");
        assertThat(request.outputFormat()).isNull();
        assertThat(request.aspectRatio()).isEqualTo("1:1");

        assertThatThrownBy(() -> CrunRules.prepare(row(4, "a cat", null, "2K", null, List.of()),
                CrunRules.NANO_BANANA_V2, RequestDefaults.none()))
                .isInstanceOfSatisfying(RowRejectedException.class,
                        e -> assertThat(e.getMessage()).startsWith("row 4, column resolution:").contains("fixed to 1K"));
        assertThatThrownBy(() -> CrunRules.prepare(row(5, "a cat", null, null, "jpeg", List.of()),
                CrunRules.NANO_BANANA_V2, RequestDefaults.none()))
                .isInstanceOfSatisfying(RowRejectedException.class,
                        e -> assertThat(e.getMessage()).startsWith("row 5, column output_format:"));
    }

    @Test
    void jpgIsTakenAsJpegAndPngIsTheDefaultOnTheFirstChannel() throws Exception {
        assertThat(CrunRules.prepare(row(1, "a cat", null, null, "jpg", List.of()), CrunRules.NANO_BANANA,
                RequestDefaults.none()).outputFormat()).isEqualTo("jpeg");
        ImageRequest request = CrunRules.prepare(row(1, "a cat", null, null, null, List.of()), CrunRules.NANO_BANANA,
                RequestDefaults.none());
        assertThat(request.outputFormat()).isEqualTo("png");
        assertThat(request.resolution()).isNull();
    }

    @Test
    void anUnknownModelABlankPromptAndTooManyReferencesAreRejectedInTheirColumns() {
        assertThatThrownBy(() -> CrunRules.prepare(row(2, "a cat", null, null, null, List.of()), "dall-e",
                RequestDefaults.none())).hasMessageStartingWith("row 2, column model:");
        assertThatThrownBy(() -> CrunRules.prepare(row(2, " ", null, null, null, List.of()), null,
                RequestDefaults.none())).hasMessageStartingWith("row 2, column model:");
        assertThatThrownBy(() -> CrunRules.prepare(row(2, " ", null, null, null, List.of()), CrunRules.NANO_BANANA,
                RequestDefaults.none())).hasMessageStartingWith("row 2, column prompt:");
        List<String> eleven = Collections.nCopies(CrunRules.MAX_REFERENCES + 1, "https://example.com/a.png");
        assertThatThrownBy(() -> CrunRules.prepare(row(2, "a cat", null, null, null, eleven), CrunRules.NANO_BANANA,
                RequestDefaults.none())).hasMessageStartingWith("row 2, column reference_images: 11 images");
    }
}
