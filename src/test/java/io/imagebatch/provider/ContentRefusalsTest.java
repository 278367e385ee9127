package io.imagebatch.provider;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * Which provider codes and messages are read as a content refusal (docs/providers/content-policy.md; inferred for
 * every provider): the markers in a code or a message, ignoring case, and not a technical failure's words.
 */
class ContentRefusalsTest {

    @Test
    void codesAndMessagesOfContentRefusalsAreReadAsSuchIgnoringCase() {
        assertThat(ContentRefusals.isRefusal("CONTENT_POLICY_VIOLATION", null)).isTrue();
        assertThat(ContentRefusals.isRefusal("400", "Your prompt was flagged by our Safety system")).isTrue();
        assertThat(ContentRefusals.isRefusal(null, "NSFW content detected")).isTrue();
        assertThat(ContentRefusals.isRefusal("500", "\u63d0\u793a\u8bcd\u5305\u542b\u654f\u611f\u8bcd")).isTrue();
    }

    @Test
    void technicalFailuresAndCaseSensitivityAreNotContentRefusals() {
        assertThat(ContentRefusals.isRefusal("500", "sandbox: generation failed")).isFalse();
        assertThat(ContentRefusals.isRefusal("GENERATION_FAILED", "upstream timeout")).isFalse();
        assertThat(ContentRefusals.isRefusal("400", "input.model is case-sensitive")).isFalse();
        assertThat(ContentRefusals.isRefusal(null, null)).isFalse();
        assertThat(ContentRefusals.isRefusal("", " ")).isFalse();
    }
}
