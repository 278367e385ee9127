package io.imagebatch.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

/** Closed sets of wire labels: exact or case-blind look-up, defaults, and the error listing the labels in order. */
class ChoicesTest {

    private final Choices<Resolution> resolutions = Choices.of(List.of("1K", "2K", "4K"),
            List.of(Resolution.ONE_K, Resolution.TWO_K, Resolution.FOUR_K));

    @Test
    void anAbsentLabelIsTheDefaultAndAKnownOneItsValue() throws Exception {
        assertThat(resolutions.require(null, "input.resolution", Resolution.TWO_K)).isEqualTo(Resolution.TWO_K);
        assertThat(resolutions.require("4K", "input.resolution", Resolution.ONE_K)).isEqualTo(Resolution.FOUR_K);
    }

    @Test
    void anUnknownLabelIsRefusedListingTheLabelsInTheirOrder() {
        BadRequestException e = assertThrows(BadRequestException.class,
                () -> resolutions.require("4k", "input.resolution", Resolution.ONE_K));
        assertThat(e.getMessage()).isEqualTo("input.resolution must be one of 1K, 2K, 4K, got 4k");
    }

    @Test
    void ignoringCaseMatchesAnyCaseButReportsTheLabelAsSent() throws Exception {
        Choices<Resolution> anyCase = resolutions.ignoringCase();
        assertThat(anyCase.require("4k", "input.resolution", Resolution.ONE_K)).isEqualTo(Resolution.FOUR_K);
        BadRequestException e = assertThrows(BadRequestException.class,
                () -> anyCase.require("8k", "input.resolution", Resolution.ONE_K));
        assertThat(e.getMessage()).isEqualTo("input.resolution must be one of 1K, 2K, 4K, got 8k");
    }

    @Test
    void enumLabelsFollowDeclarationOrder() {
        assertThat(AspectRatio.LABELS.labels())
                .isEqualTo("1:1, 2:3, 3:2, 3:4, 4:3, 4:5, 5:4, 9:16, 16:9, 21:9");
        assertThat(LiangXinModel.IDS.find("nano-banana-pro")).contains(LiangXinModel.NANO_BANANA_PRO);
        assertThat(MingyanModel.IDS.find("NANO-BANANA")).isEmpty();
    }

    @Test
    void readTakesTheLabelFromAStringField() throws Exception {
        JsonMapper json = JsonMapper.builder().build();
        var input = json.readTree("{\"size\":\"16:9\",\"bad\":7}");
        assertThat(AspectRatio.LABELS.read(input, "size", "size", AspectRatio.SQUARE))
                .isEqualTo(AspectRatio.LANDSCAPE_16_9);
        assertThat(AspectRatio.LABELS.read(input, "none", "size", AspectRatio.SQUARE)).isEqualTo(AspectRatio.SQUARE);
        BadRequestException e = assertThrows(BadRequestException.class,
                () -> AspectRatio.LABELS.read(input, "bad", "size", AspectRatio.SQUARE));
        assertThat(e.getMessage()).isEqualTo("size must be a string");
    }

    @Test
    void labelsAndValuesMustPairUp() {
        assertThrows(IllegalArgumentException.class, () -> Choices.of(List.of("a", "b"), List.of(1)));
    }
}
