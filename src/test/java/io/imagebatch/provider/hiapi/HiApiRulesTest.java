package io.imagebatch.provider.hiapi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.imagebatch.catalogue.CatalogueRow;
import io.imagebatch.provider.ImageRequest;
import io.imagebatch.provider.RequestDefaults;
import io.imagebatch.provider.RowRejectedException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** HiAPI's input rules on their own, without HTTP (hiapi-nano-banana-pro.txt, "Request parameters"). */
class HiApiRulesTest {

    private static CatalogueRow row(long n, String prompt, String aspectRatio, String resolution, String format,
            List<String> references) {
        return new CatalogueRow(n, "sku-" + n, prompt, null, null, aspectRatio, resolution, format, references, null);
    }

    @Test
    void theDocumentedDefaultsFillBlankFieldsAndTheBatchDefaultsWinOverThem() throws Exception {
        ImageRequest request = HiApiRules.prepare(row(1, "a cat", null, null, null, List.of()), "nano-banana-pro",
                RequestDefaults.none());
        assertThat(request.model()).isEqualTo(HiApiRules.MODEL);
        assertThat(request.aspectRatio()).isEqualTo("auto");
        assertThat(request.resolution()).isEqualTo("1K");
        assertThat(request.outputFormat()).isEqualTo("png");

        ImageRequest defaulted = HiApiRules.prepare(row(1, "a cat", null, null, null, List.of()), null,
                new RequestDefaults("16:9", "4k", "jpeg"));
        assertThat(defaulted.aspectRatio()).isEqualTo("16:9");
        assertThat(defaulted.resolution()).isEqualTo("4K");
        assertThat(defaulted.outputFormat()).isEqualTo("jpg");
    }

    @Test
    void aPromptOverTenThousandCharactersIsRejectedNamingRowColumnAndLimit() {
        String prompt = "x".repeat(HiApiRules.PROMPT_MAX + 1);
        assertThatThrownBy(() -> HiApiRules.prepare(row(9, prompt, null, null, null, List.of()), HiApiRules.MODEL,
                RequestDefaults.none()))
                .isInstanceOfSatisfying(RowRejectedException.class, e -> {
                    assertThat(e.column()).isEqualTo("prompt");
                    assertThat(e.getMessage()).startsWith("row 9, column prompt: 10001 characters")
                            .contains("1 to 10000");
                });
    }

    @Test
    void dataUrisAnotherModelAndAnUndocumentedRatioAreRejectedInTheirColumns() {
        assertThatThrownBy(() -> HiApiRules.prepare(row(4, "a cat", null, null, null,
                List.of("data:image/png;base64,AAAA")), HiApiRules.MODEL, RequestDefaults.none()))
                .hasMessageStartingWith("row 4, column reference_images: a data URI");
        assertThatThrownBy(() -> HiApiRules.prepare(row(4, "a cat", null, null, null, List.of()), "flux",
                RequestDefaults.none())).hasMessageStartingWith("row 4, column model:");
        assertThatThrownBy(() -> HiApiRules.prepare(row(4, "a cat", "7:3", null, null, List.of()), HiApiRules.MODEL,
                RequestDefaults.none())).hasMessageStartingWith("row 4, column aspect_ratio:");
    }
}
