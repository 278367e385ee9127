package io.imagebatch.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The documented per-model rules the sandbox enforces, now written as the documentation words them. */
class ModelRulesTest {

    @Test
    void onlyFlashTakesTheGoogleSearchTool() {
        assertThat(LiangXinModel.NANO_BANANA_PRO_FLASH.googleSearchTool()).isTrue();
        assertThat(LiangXinModel.NANO_BANANA_PRO.googleSearchTool()).isFalse();
    }

    @Test
    void mingyanResolutionCountsOnlyOnNanoBanana2AndPro() {
        for (MingyanModel model : MingyanModel.values()) {
            assertThat(model.honoursResolution()).as(model.id())
                    .isEqualTo(model.id().equals("nano-banana-2") || model.id().equals("nano-banana-pro"));
        }
    }
}
