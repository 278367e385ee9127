package io.imagebatch.provider;

import java.util.List;

/**
 * A catalogue row validated against its provider's rules and filled with defaults: everything a create call
 * needs except the callback URL. Stored in the ledger as JSON (it carries no secret).
 *
 * @param provider        provider name, as in {@code imagebatch.providers.<name>}
 * @param model           the provider's model name, spelled as the provider wants it
 * @param prompt          the prompt, never blank (its length rules are the provider's)
 * @param aspectRatio     aspect ratio in the provider's spelling, for example {@code 16:9}, or null to leave it to
 *                        the provider
 * @param resolution      resolution in the provider's spelling, for example {@code 1K}, or null when it has none
 * @param outputFormat    output format in the provider's spelling, for example {@code png}, or null
 * @param referenceImages reference image URLs, never null
 */
public record ImageRequest(String provider, String model, String prompt, String aspectRatio, String resolution,
        String outputFormat, List<String> referenceImages) {

    public ImageRequest {
        referenceImages = referenceImages == null ? List.of() : List.copyOf(referenceImages);
    }
}
