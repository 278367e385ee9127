package io.imagebatch.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.net.URI;
import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The create-body field rules the four protocols share: absent, null, wrong type, and each rule's error text. */
class RequestFieldsTest {

    private final JsonMapper json = JsonMapper.builder().build();

    private JsonNode body(String text) throws BadRequestException {
        return RequestFields.object(text, json);
    }

    private static String message(ThrowingCall call) {
        return assertThrows(BadRequestException.class, call::run).getMessage();
    }

    @FunctionalInterface
    private interface ThrowingCall {
        void run() throws BadRequestException;
    }

    @Test
    void aBodyMustBeAJsonObject() {
        assertThat(message(() -> body("{"))).isEqualTo("request body is not valid JSON");
        assertThat(message(() -> body("[1]"))).isEqualTo("request body must be a JSON object");
        assertThat(message(() -> body(""))).isEqualTo("request body must be a JSON object");
    }

    @Test
    void aNullFieldCountsAsAbsentAndAWrongTypeIsNamed() throws Exception {
        JsonNode root = body("{\"a\":null,\"b\":3,\"c\":\"x\"}");
        assertThat(RequestFields.string(root, "a", "input.a")).isNull();
        assertThat(RequestFields.string(root, "missing", "input.missing")).isNull();
        assertThat(RequestFields.string(root, "c", "input.c")).isEqualTo("x");
        assertThat(message(() -> RequestFields.string(root, "b", "input.b"))).isEqualTo("input.b must be a string");
    }

    @Test
    void requiredRefusesAbsentAndNotBlankAlsoRefusesBlank() throws Exception {
        JsonNode root = body("{\"blank\":\" \",\"n\":null}");
        assertThat(message(() -> RequestFields.required(root, "n", "input.prompt")))
                .isEqualTo("input.prompt is required");
        assertThat(RequestFields.required(root, "blank", "input.prompt")).isEqualTo(" ");
        assertThat(message(() -> RequestFields.notBlank(root, "blank", "model"))).isEqualTo("model is required");
    }

    @Test
    void requiredObjectNamesAbsentAndWrongType() throws Exception {
        JsonNode root = body("{\"input\":3,\"ok\":{}}");
        assertThat(message(() -> RequestFields.requiredObject(root, "none", "input"))).isEqualTo("input is required");
        assertThat(message(() -> RequestFields.requiredObject(root, "input", "input")))
                .isEqualTo("input must be an object");
        assertThat(RequestFields.requiredObject(root, "ok", "ok").isObject()).isTrue();
    }

    @Test
    void stringsChecksTypeThenEachItemsRuleByIndex() throws Exception {
        JsonNode root = body("{\"urls\":[\"http://a\",\"ftp://b\"],\"num\":[1],\"flat\":\"x\",\"good\":[\"https://a/b\"]}");
        assertThat(RequestFields.strings(root, "absent", "urls", RequestFields::httpUrl, "bad")).isEmpty();
        assertThat(RequestFields.strings(root, "good", "urls", RequestFields::httpUrl, "bad"))
                .containsExactly("https://a/b");
        assertThat(message(() -> RequestFields.strings(root, "urls", "image_urls", RequestFields::httpUrl,
                "must be an http or https URL"))).isEqualTo("image_urls[1] must be an http or https URL");
        assertThat(message(() -> RequestFields.strings(root, "num", "image_urls", s -> true, "bad")))
                .isEqualTo("image_urls must be an array of strings");
        assertThat(message(() -> RequestFields.strings(root, "flat", "image_urls", s -> true, "bad")))
                .isEqualTo("image_urls must be an array of strings");
    }

    @Test
    void atMostCountsImages() throws Exception {
        RequestFields.atMost("image_urls", 6, 6);
        assertThat(message(() -> RequestFields.atMost("image_urls", 6, 7)))
                .isEqualTo("image_urls takes at most 6 images, got 7");
    }

    @Test
    void callbackUrlsAreHttpOrHttpsWithAHost() throws Exception {
        assertThat(RequestFields.callbackUrl(null, "callBackUrl")).isNull();
        assertThat(RequestFields.callbackUrl("HTTPS://h.example/cb", "callBackUrl"))
                .isEqualTo(URI.create("HTTPS://h.example/cb"));
        for (String bad : List.of("ftp://h/x", "http:///nohost", "not a url", "/relative")) {
            assertThat(message(() -> RequestFields.callbackUrl(bad, "callback.url")))
                    .isEqualTo("callback.url must be an http or https URL");
        }
    }

    @Test
    void anUnsupportedModelNamesTheSupportedOnes() {
        assertThat(RequestFields.unsupportedModel("x", "a, b").getMessage())
                .isEqualTo("unsupported model: x (supported: a, b)");
    }
}
