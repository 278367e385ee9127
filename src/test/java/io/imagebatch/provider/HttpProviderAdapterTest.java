package io.imagebatch.provider;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** What the HTTP adapters share, on a minimal adapter: no network is used. */
class HttpProviderAdapterTest {

    /** The smallest adapter: its rules accept every row as it is. */
    private static final class Minimal extends HttpProviderAdapter {
        Minimal() {
            super("minimal", ProviderSettings.of(URI.create("http://127.0.0.1:9/"), "key-1234567890"),
                    ProviderHttp.Options.defaults(), "m1", List.of("m1", "m2"),
                    (row, model, defaults) -> new ImageRequest("minimal", model, "p", null, null, null, null));
        }

        @Override
        public String createTask(ImageRequest request, String callbackUrl) {
            throw new UnsupportedOperationException();
        }

        @Override
        public TaskStatus queryTask(String taskId) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Optional<String> callbackTaskId(String body) {
            return Optional.empty();
        }
    }

    @Test
    void nameModelsAndBearerAuthorizationComeFromTheConstructor() {
        Minimal adapter = new Minimal();
        assertThat(adapter.name()).isEqualTo("minimal");
        assertThat(adapter.defaultModel()).isEqualTo("m1");
        assertThat(adapter.models()).containsExactly("m1", "m2");
        assertThat(adapter.get("/v1/x?id=1").headers().firstValue("Authorization")).contains("Bearer key-1234567890");
        assertThat(adapter.postJson("/v1/x", java.util.Map.of("a", 1)).method()).isEqualTo("POST");
    }

    @Test
    void theImageInputKeepsTheDocumentedOrderAndSendsReferencesOnlyWhenThereAreSome() {
        ImageRequest without = new ImageRequest("minimal", "m1", "a cat", "1:1", "1K", "png", List.of());
        assertThat(HttpProviderAdapter.imageInput(without).keySet())
                .containsExactly("prompt", "aspect_ratio", "resolution", "output_format");
        ImageRequest with = new ImageRequest("minimal", "m1", "a cat", "1:1", null, null, List.of("https://r/1.png"));
        assertThat(HttpProviderAdapter.imageInput(with).keySet())
                .containsExactly("prompt", "image_input", "aspect_ratio", "resolution", "output_format");
        assertThat(HttpProviderAdapter.imageInput(with)).containsEntry("resolution", null);
    }

    @Test
    void theBodyCodeWinsOverAnHttp200AndANon200HttpStatusWinsOverTheBody() {
        JsonNode code402 = ProviderJson.readBody("{\"code\":402,\"msg\":\"no credits\"}");
        JsonNode noCode = ProviderJson.readBody("{\"data\":{}}");
        assertThat(HttpProviderAdapter.envelopeStatus(new ProviderHttp.Answer(200, "", null), code402)).isEqualTo(402);
        assertThat(HttpProviderAdapter.envelopeStatus(new ProviderHttp.Answer(200, "", null), noCode)).isEqualTo(200);
        assertThat(HttpProviderAdapter.envelopeStatus(new ProviderHttp.Answer(503, "", null), code402)).isEqualTo(503);
    }
}
