package io.imagebatch.sandbox;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A HiAPI {@code POST /v1/tasks} body for Nano Banana Pro, checked against the documented rules. Sources:
 * hiapi-nano-banana-pro.txt ("Request parameters") and docs/providers/hiapi.md.
 *
 * <p>Body: {@code {"model":"Nano-Banana-Pro","input":{"prompt","image_input"?,"aspect_ratio"?,"resolution"?,
 * "output_format"?},"callback"?:{"url","when"?}}}. A field whose value is JSON {@code null} counts as absent;
 * unknown fields are ignored. Enum values are matched exactly, in HiAPI's spelling.
 *
 * @param model        the model, always {@value #MODEL}
 * @param prompt       the prompt text
 * @param aspectRatio  the aspect ratio as sent, {@code auto} when not given
 * @param resolution   the resolution class, 1K when not given
 * @param outputFormat {@code png} or {@code jpg}, {@code png} when not given
 * @param imageInput   the reference image URLs, empty when not given
 * @param callbackUrl  {@code callback.url}, or null
 * @param paramJson    the whole body as compact JSON
 */
record HiApiCreateRequest(String model, String prompt, String aspectRatio, Resolution resolution,
        String outputFormat, List<String> imageInput, URI callbackUrl, String paramJson) {

    /** The only model (hiapi-nano-banana-pro.txt: "Fixed value Nano-Banana-Pro"). */
    static final String MODEL = "Nano-Banana-Pro";
    /** Most characters (Unicode code points) in a prompt. */
    static final int PROMPT_MAX = 10000;
    /** Most reference images. */
    static final int MAX_REFERENCES = 8;
    /** The documented aspect ratios, in the page's order. */
    static final List<String> ASPECT_RATIOS =
            List.of("auto", "1:1", "16:9", "9:16", "4:3", "3:4", "3:2", "2:3", "5:4", "4:5", "21:9");
    /** The documented output formats. */
    static final List<String> OUTPUT_FORMATS = List.of("png", "jpg");

    /**
     * @param body the raw request body
     * @param json the mapper
     * @return the checked request
     * @throws BadRequestException with the reason when the body breaks a rule: not JSON or not an object;
     *                             {@code model} missing or not {@value #MODEL}; {@code input} missing or not an
     *                             object; {@code input.prompt} missing, blank or over 10000 characters;
     *                             {@code input.image_input} not an array of strings, over 8 entries, or an entry
     *                             not an http(s) URL; {@code aspect_ratio}, {@code resolution} or
     *                             {@code output_format} outside their sets; {@code callback} not an object,
     *                             {@code callback.url} missing or not an http(s) URL, {@code callback.when} not
     *                             {@code final}
     */
    static HiApiCreateRequest parse(String body, JsonMapper json) throws BadRequestException {
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
        if (!model.equals(MODEL)) {
            throw new BadRequestException("unsupported model: " + model + " (supported: " + MODEL + ")");
        }
        JsonNode input = root.get("input");
        if (input == null || input.isNull()) {
            throw new BadRequestException("input is required");
        }
        if (!input.isObject()) {
            throw new BadRequestException("input must be an object");
        }
        String prompt = string(input, "prompt", "input.prompt");
        if (prompt == null || prompt.isBlank()) {
            throw new BadRequestException("input.prompt is required");
        }
        int length = prompt.codePointCount(0, prompt.length());
        if (length > PROMPT_MAX) {
            throw new BadRequestException("input.prompt must be at most " + PROMPT_MAX + " characters, got " + length);
        }
        List<String> references = references(input);
        String aspectRatio = oneOf(input, "aspect_ratio", ASPECT_RATIOS, "auto");
        String resolutionLabel = oneOf(input, "resolution", List.of("1K", "2K", "4K"), "1K");
        Resolution resolution = switch (resolutionLabel) {
            case "2K" -> Resolution.TWO_K;
            case "4K" -> Resolution.FOUR_K;
            default -> Resolution.ONE_K;
        };
        String outputFormat = oneOf(input, "output_format", OUTPUT_FORMATS, "png");
        URI callbackUrl = callback(root.get("callback"));
        return new HiApiCreateRequest(model, prompt, aspectRatio, resolution, outputFormat, references, callbackUrl,
                json.writeValueAsString(root));
    }

    /**
     * The pixel size of the image this request produces. {@code auto} lets the model choose; the sandbox, with no
     * image to look at, renders it square (<b>sandbox choice</b>).
     *
     * @return the Gemini size of the ratio at the resolution
     */
    ImageSize imageSize() {
        AspectRatio ratio = AspectRatio.fromLabel(aspectRatio).orElse(AspectRatio.SQUARE);
        return ImageSize.of(ratio, resolution);
    }

    private static List<String> references(JsonNode input) throws BadRequestException {
        JsonNode list = input.get("image_input");
        List<String> references = new ArrayList<>();
        if (list == null || list.isNull()) {
            return references;
        }
        if (!list.isArray()) {
            throw new BadRequestException("input.image_input must be an array of strings");
        }
        for (int i = 0; i < list.size(); i++) {
            JsonNode item = list.get(i);
            if (!item.isString()) {
                throw new BadRequestException("input.image_input must be an array of strings");
            }
            if (!httpUrl(item.stringValue())) {
                throw new BadRequestException("input.image_input[" + i + "] must be an http or https URL");
            }
            references.add(item.stringValue());
        }
        if (references.size() > MAX_REFERENCES) {
            throw new BadRequestException("input.image_input takes at most " + MAX_REFERENCES + " images, got "
                    + references.size());
        }
        return references;
    }

    private static String oneOf(JsonNode input, String field, List<String> allowed, String byDefault)
            throws BadRequestException {
        String value = string(input, field, "input." + field);
        if (value == null) {
            return byDefault;
        }
        if (!allowed.contains(value)) {
            throw new BadRequestException("input." + field + " must be one of " + String.join(", ", allowed)
                    + ", got " + value);
        }
        return value;
    }

    private static URI callback(JsonNode callback) throws BadRequestException {
        if (callback == null || callback.isNull()) {
            return null;
        }
        if (!callback.isObject()) {
            throw new BadRequestException("callback must be an object");
        }
        String url = string(callback, "url", "callback.url");
        if (url == null) {
            throw new BadRequestException("callback.url is required");
        }
        // the docs ask for an HTTPS URL; the sandbox also takes http, to reach a local test server
        if (!httpUrl(url)) {
            throw new BadRequestException("callback.url must be an http or https URL");
        }
        String when = string(callback, "when", "callback.when");
        if (when != null && !when.equals("final")) {
            throw new BadRequestException("callback.when must be final, got " + when);
        }
        return URI.create(url);
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
