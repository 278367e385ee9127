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
import tools.jackson.databind.node.ObjectNode;

/**
 * A crun.ai {@code CreateTask} body, checked. Sources: google-nano-banana-x-api-key-provider.txt ("the crun page")
 * and docs/providers/crun.md.
 *
 * <p>Body: {@code {"model","callback_url"?,"input":{"prompt","image_input"?,"aspect_ratio"?,"resolution"?,
 * "output_format"?}}}. The callback field is also accepted as {@code callBackUrl} (docs/providers/crun.md: the pages
 * disagree on its name); {@code callback_url} wins when both are given. A field whose value is JSON {@code null}
 * counts as absent; unknown fields are ignored.
 *
 * <p>Documented: the two models; on {@code google/nano-banana-v2} {@code output_format} "is not supported and may
 * be ignored" and the resolution "is currently fixed to 1K", so the sandbox ignores both fields there. <b>Inferred</b>
 * (the crun page does not list the input fields; these are the Nano Banana family's): {@code prompt} required and
 * not blank, no maximum; {@code aspect_ratio} one of the ten of {@link AspectRatio}, default 1:1;
 * {@code resolution} 1K, 2K or 4K in any case (default 1K); {@code output_format} png or jpeg (the file served is
 * a PNG either way); {@code image_input} at most {@value #MAX_REFERENCES} http(s) URLs or {@code data:image/}
 * URIs.
 *
 * @param model       the model id, {@code google/nano-banana} or {@code google/nano-banana-v2}
 * @param prompt      the prompt text
 * @param aspectRatio the aspect ratio, {@code 1:1} when not given
 * @param resolution  the resolution; always 1K on v2
 * @param callbackUrl the callback URL, or null
 * @param paramJson   the request as TaskInfo echoes it in {@code param}: {@code {"model","callback_url","input"}}
 *                    as compact JSON ({@code callback_url} null when none was given)
 */
record CrunCreateRequest(String model, String prompt, AspectRatio aspectRatio, Resolution resolution,
        URI callbackUrl, String paramJson) {

    /** The basic model. */
    static final String NANO_BANANA = "google/nano-banana";
    /** The v2 channel: no output_format, fixed 1K. */
    static final String NANO_BANANA_V2 = "google/nano-banana-v2";
    /** Most reference images (<b>inferred</b>: none is documented; the adapter's defensive limit). */
    static final int MAX_REFERENCES = 10;

    private static final List<String> MODELS = List.of(NANO_BANANA, NANO_BANANA_V2);
    private static final Map<String, Resolution> RESOLUTIONS =
            Map.of("1K", Resolution.ONE_K, "2K", Resolution.TWO_K, "4K", Resolution.FOUR_K);
    private static final List<String> OUTPUT_FORMATS = List.of("png", "jpeg");

    /**
     * @param body the raw request body
     * @param json the mapper
     * @return the checked request
     * @throws BadRequestException with the message the 422 answer carries: the body is not JSON or not an
     *                             object; {@code model} missing or not one of the two; the callback URL not an
     *                             http(s) URL; {@code input} missing or not an object; {@code input.prompt}
     *                             missing, not a string or blank; {@code aspect_ratio} outside the ten;
     *                             {@code resolution} (v1) not 1K/2K/4K; {@code output_format} (v1) not png/jpeg;
     *                             {@code image_input} not an array of strings, more than
     *                             {@value #MAX_REFERENCES}, or an item neither an http(s) URL nor a
     *                             {@code data:image/} URI
     */
    static CrunCreateRequest parse(String body, JsonMapper json) throws BadRequestException {
        JsonNode root;
        try {
            root = json.readTree(body);
        } catch (JacksonException e) {
            throw new BadRequestException("request body is not valid JSON");
        }
        if (root == null || !root.isObject()) {
            throw new BadRequestException("request body must be a JSON object");
        }
        String model = string(root, "model", "model");
        if (model == null || model.isBlank()) {
            throw new BadRequestException("model is required");
        }
        if (!MODELS.contains(model)) {
            throw new BadRequestException("model must be one of " + String.join(", ", MODELS) + ", got " + model);
        }
        boolean v2 = NANO_BANANA_V2.equals(model);
        String callbackText = string(root, "callback_url", "callback_url");
        String callbackName = "callback_url";
        if (callbackText == null) {
            callbackText = string(root, "callBackUrl", "callBackUrl");
            callbackName = "callBackUrl";
        }
        URI callbackUrl = callbackUrl(callbackText, callbackName);

        JsonNode input = root.get("input");
        if (input == null || input.isNull()) {
            throw new BadRequestException("input is required");
        }
        if (!input.isObject()) {
            throw new BadRequestException("input must be an object");
        }
        String prompt = string(input, "prompt", "input.prompt");
        if (prompt == null) {
            throw new BadRequestException("input.prompt is required");
        }
        if (prompt.isBlank()) {
            throw new BadRequestException("input.prompt must not be blank");
        }
        references(input);
        String ratioLabel = string(input, "aspect_ratio", "input.aspect_ratio");
        AspectRatio ratio = ratioLabel == null ? AspectRatio.SQUARE : AspectRatio.fromLabel(ratioLabel)
                .orElseThrow(() -> new BadRequestException("input.aspect_ratio must be one of "
                        + Arrays.stream(AspectRatio.values()).map(AspectRatio::label)
                        .collect(Collectors.joining(", ")) + ", got " + ratioLabel));
        Resolution resolution = Resolution.ONE_K;
        if (!v2) { // v2: "fixed to 1K", the field is ignored
            String label = string(input, "resolution", "input.resolution");
            if (label != null) {
                resolution = RESOLUTIONS.get(label.toUpperCase(Locale.ROOT));
                if (resolution == null) {
                    throw new BadRequestException("input.resolution must be one of 1K, 2K, 4K, got " + label);
                }
            }
            String format = string(input, "output_format", "input.output_format");
            if (format != null && !OUTPUT_FORMATS.contains(format)) {
                throw new BadRequestException("input.output_format must be one of "
                        + String.join(", ", OUTPUT_FORMATS) + ", got " + format);
            }
        }
        ObjectNode param = json.createObjectNode();
        param.put("model", model);
        param.put("callback_url", callbackUrl == null ? null : callbackUrl.toString());
        param.set("input", input);
        return new CrunCreateRequest(model, prompt, ratio, resolution, callbackUrl, json.writeValueAsString(param));
    }

    /** @return the pixel size of the image this request produces */
    ImageSize imageSize() {
        return ImageSize.of(aspectRatio, resolution);
    }

    private static void references(JsonNode input) throws BadRequestException {
        JsonNode list = input.get("image_input");
        if (list == null || list.isNull()) {
            return;
        }
        if (!list.isArray()) {
            throw new BadRequestException("input.image_input must be an array of strings");
        }
        if (list.size() > MAX_REFERENCES) {
            throw new BadRequestException("input.image_input takes at most " + MAX_REFERENCES + " images, got "
                    + list.size());
        }
        for (int i = 0; i < list.size(); i++) {
            JsonNode item = list.get(i);
            if (!item.isString()) {
                throw new BadRequestException("input.image_input must be an array of strings");
            }
            String head = item.stringValue().substring(0, Math.min(item.stringValue().length(), 16))
                    .toLowerCase(Locale.ROOT);
            if (!head.startsWith("http://") && !head.startsWith("https://") && !head.startsWith("data:image/")) {
                throw new BadRequestException("input.image_input[" + i + "] must be an http(s) URL or a"
                        + " data:image/ URI");
            }
        }
    }

    private static URI callbackUrl(String text, String name) throws BadRequestException {
        if (text == null) {
            return null;
        }
        try {
            URI uri = new URI(text);
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            // a public URL in production; the sandbox also takes http, to reach a local test server
            if ((scheme.equals("http") || scheme.equals("https")) && uri.getHost() != null) {
                return uri;
            }
        } catch (URISyntaxException e) {
            // answered below
        }
        throw new BadRequestException(name + " must be an http or https URL");
    }

    /** A string field, null when absent or JSON null; 422 when it holds something else. */
    private static String string(JsonNode parent, String field, String name) throws BadRequestException {
        JsonNode value = parent.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isString()) {
            throw new BadRequestException(name + " must be a string");
        }
        return value.stringValue();
    }
}
