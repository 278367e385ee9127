package io.imagebatch.sandbox;

import java.util.List;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A mingyan {@code POST /v1/banana/images} body, checked against the documented rules
 * (mingyan-nano-banana-create-task.txt, docs/providers/mingyan.md).
 *
 * <p>Body: {@code {"model","prompt","resolution"?,"size"?,"image_urls"?}}. A field whose value is JSON
 * {@code null} counts as absent; unknown fields are ignored (the documentation lists no others). What the
 * documentation does not say, the sandbox chooses, and says so here [inferred]: a blank prompt is refused (the
 * documentation gives no length limits, so none is checked beyond that); {@code resolution} is matched exactly
 * in the documented lower case; without {@code size} the image is 1:1; without {@code resolution} it is 1K;
 * {@code resolution} on a model it is not effective for is accepted and ignored (the image is 1K), as the
 * documentation says it is ignored rather than refused; each {@code image_urls} entry must be an http(s) URL.
 *
 * @param model       the model
 * @param prompt      the prompt text
 * @param aspectRatio the {@code size}, {@link AspectRatio#SQUARE} when not given
 * @param resolution  the resolution the image is rendered at: the requested one where the model honours it,
 *                    else 1K
 * @param paramJson   the whole body as compact JSON
 */
record MingyanCreateRequest(MingyanModel model, String prompt, AspectRatio aspectRatio, Resolution resolution,
        String paramJson) {

    /** Most entries in {@code image_urls} ("up to 6 images"). */
    static final int MAX_IMAGE_URLS = 6;

    /** {@code resolution}, matched exactly in the documented lower case. */
    private static final Choices<Resolution> RESOLUTIONS = Choices.of(List.of("1k", "2k", "4k"),
            List.of(Resolution.ONE_K, Resolution.TWO_K, Resolution.FOUR_K));

    /**
     * @param body the raw request body
     * @param json the mapper
     * @return the checked request
     * @throws BadRequestException with the error message to answer when the body breaks a rule: not JSON or not
     *                             an object; {@code model} missing or not one of {@link MingyanModel};
     *                             {@code prompt} missing or blank; {@code resolution} not one of 1k 2k 4k;
     *                             {@code size} not one of the ten aspect ratios; {@code image_urls} not an
     *                             array of http(s) URL strings, or more than 6 of them; a documented field
     *                             holding something other than a string (or an array for {@code image_urls})
     */
    static MingyanCreateRequest parse(String body, JsonMapper json) throws BadRequestException {
        JsonNode root = RequestFields.object(body, json);
        String modelId = RequestFields.notBlank(root, "model", "model");
        MingyanModel model = MingyanModel.IDS.find(modelId)
                .orElseThrow(() -> RequestFields.unsupportedModel(modelId, MingyanModel.IDS.labels()));
        String prompt = RequestFields.notBlank(root, "prompt", "prompt");
        Resolution requested = RESOLUTIONS.read(root, "resolution", "resolution", Resolution.ONE_K);
        AspectRatio ratio = AspectRatio.LABELS.read(root, "size", "size", AspectRatio.SQUARE);
        // the count is checked before the items
        JsonNode imageUrls = RequestFields.array(root, "image_urls", "image_urls");
        if (imageUrls != null) {
            RequestFields.atMost("image_urls", MAX_IMAGE_URLS, imageUrls.size());
        }
        RequestFields.strings(root, "image_urls", "image_urls", RequestFields::httpUrl,
                "must be an http or https URL");
        return new MingyanCreateRequest(model, prompt, ratio,
                model.honoursResolution() ? requested : Resolution.ONE_K, json.writeValueAsString(root));
    }

    /** @return the pixel size of the image this request produces */
    ImageSize imageSize() {
        return ImageSize.of(aspectRatio, resolution);
    }
}
