package io.imagebatch.sandbox;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import tools.jackson.core.JacksonException;
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

    private static final Map<String, Resolution> RESOLUTIONS = Map.of(
            "1k", Resolution.ONE_K, "2k", Resolution.TWO_K, "4k", Resolution.FOUR_K);
    private static final List<String> RESOLUTION_ORDER = List.of("1k", "2k", "4k");

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
        JsonNode root;
        try {
            root = json.readTree(body);
        } catch (JacksonException e) {
            throw new BadRequestException("request body is not valid JSON");
        }
        if (root == null || !root.isObject()) {
            throw new BadRequestException("request body must be a JSON object");
        }
        String modelId = string(root, "model");
        if (modelId == null || modelId.isBlank()) {
            throw new BadRequestException("model is required");
        }
        MingyanModel model = MingyanModel.fromId(modelId).orElseThrow(() -> new BadRequestException(
                "unsupported model: " + modelId + " (supported: " + Arrays.stream(MingyanModel.values())
                        .map(MingyanModel::id).collect(Collectors.joining(", ")) + ")"));
        String prompt = string(root, "prompt");
        if (prompt == null || prompt.isBlank()) {
            throw new BadRequestException("prompt is required");
        }
        String resolutionLabel = string(root, "resolution");
        Resolution requested = resolutionLabel == null ? Resolution.ONE_K : RESOLUTIONS.get(resolutionLabel);
        if (requested == null) {
            throw new BadRequestException("resolution must be one of " + String.join(", ", RESOLUTION_ORDER)
                    + ", got " + resolutionLabel);
        }
        String sizeLabel = string(root, "size");
        AspectRatio ratio = sizeLabel == null ? AspectRatio.SQUARE : AspectRatio.fromLabel(sizeLabel)
                .orElseThrow(() -> new BadRequestException("size must be one of "
                        + Arrays.stream(AspectRatio.values()).map(AspectRatio::label)
                        .collect(Collectors.joining(", ")) + ", got " + sizeLabel));
        imageUrls(root.get("image_urls"));
        return new MingyanCreateRequest(model, prompt, ratio,
                model.honoursResolution() ? requested : Resolution.ONE_K, json.writeValueAsString(root));
    }

    /** @return the pixel size of the image this request produces */
    ImageSize imageSize() {
        return ImageSize.of(aspectRatio, resolution);
    }

    private static void imageUrls(JsonNode list) throws BadRequestException {
        if (list == null || list.isNull()) {
            return;
        }
        if (!list.isArray()) {
            throw new BadRequestException("image_urls must be an array of strings");
        }
        if (list.size() > MAX_IMAGE_URLS) {
            throw new BadRequestException("image_urls takes at most " + MAX_IMAGE_URLS + " images, got "
                    + list.size());
        }
        for (int i = 0; i < list.size(); i++) {
            JsonNode item = list.get(i);
            if (!item.isString()) {
                throw new BadRequestException("image_urls must be an array of strings");
            }
            if (!httpUrl(item.stringValue())) {
                throw new BadRequestException("image_urls[" + i + "] must be an http or https URL");
            }
        }
    }

    private static boolean httpUrl(String text) {
        try {
            URI uri = new URI(text);
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            return (scheme.equals("http") || scheme.equals("https")) && uri.getHost() != null;
        } catch (URISyntaxException e) {
            return false;
        }
    }

    /** A string field, null when absent or JSON null; 400 when it holds something else. */
    private static String string(JsonNode parent, String field) throws BadRequestException {
        JsonNode value = parent.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isString()) {
            throw new BadRequestException(field + " must be a string");
        }
        return value.stringValue();
    }
}
