package io.imagebatch.sandbox;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Predicate;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Reads and checks the fields of a create request body, the way all four protocols' {@code *CreateRequest}s do:
 * a field whose value is JSON {@code null} counts as absent, a field holding the wrong JSON type is refused with
 * {@code "<name> must be a string"} (or {@code "... must be an array of strings"}), and unknown fields are ignored
 * (docs/providers/). Every method throws {@link BadRequestException} whose message is the error text the protocol
 * answers with; the HTTP status and error body around it are the protocol's. Stateless.
 */
final class RequestFields {

    private RequestFields() {
    }

    /**
     * @param body the raw request body, UTF-8 text
     * @param json the mapper
     * @return the body's top-level JSON object
     * @throws BadRequestException {@code request body is not valid JSON} or {@code request body must be a JSON
     *                             object}
     */
    static JsonNode object(String body, JsonMapper json) throws BadRequestException {
        JsonNode root;
        try {
            root = json.readTree(body);
        } catch (JacksonException e) {
            throw new BadRequestException("request body is not valid JSON");
        }
        if (root == null || !root.isObject()) {
            throw new BadRequestException("request body must be a JSON object");
        }
        return root;
    }

    /**
     * @param parent the object holding the field
     * @param field  the field's JSON name
     * @param name   the field's name in error messages, for example {@code input.prompt}
     * @return the field's text, or null when it is absent or JSON null
     * @throws BadRequestException {@code "<name> must be a string"} when it holds anything else
     */
    static String string(JsonNode parent, String field, String name) throws BadRequestException {
        JsonNode value = parent.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isString()) {
            throw new BadRequestException(name + " must be a string");
        }
        return value.stringValue();
    }

    /**
     * @param parent the object holding the field
     * @param field  the field's JSON name
     * @param name   the field's name in error messages
     * @return the field's text, possibly blank
     * @throws BadRequestException {@code "<name> is required"} when it is absent or JSON null;
     *                             {@code "<name> must be a string"} when it holds anything else
     */
    static String required(JsonNode parent, String field, String name) throws BadRequestException {
        String value = string(parent, field, name);
        if (value == null) {
            throw new BadRequestException(name + " is required");
        }
        return value;
    }

    /**
     * @param parent the object holding the field
     * @param field  the field's JSON name
     * @param name   the field's name in error messages, for example {@code model}
     * @return the field's text, not blank
     * @throws BadRequestException {@code "<name> is required"} when it is absent, JSON null or blank;
     *                             {@code "<name> must be a string"} when it holds anything else
     */
    static String notBlank(JsonNode parent, String field, String name) throws BadRequestException {
        String value = string(parent, field, name);
        if (value == null || value.isBlank()) {
            throw new BadRequestException(name + " is required");
        }
        return value;
    }

    /**
     * @param parent the object holding the field
     * @param field  the field's JSON name
     * @param name   the field's name in error messages, for example {@code input}
     * @return the field's JSON object
     * @throws BadRequestException {@code "<name> is required"} when it is absent or JSON null;
     *                             {@code "<name> must be an object"} when it holds anything else
     */
    static JsonNode requiredObject(JsonNode parent, String field, String name) throws BadRequestException {
        JsonNode value = parent.get(field);
        if (value == null || value.isNull()) {
            throw new BadRequestException(name + " is required");
        }
        if (!value.isObject()) {
            throw new BadRequestException(name + " must be an object");
        }
        return value;
    }

    /**
     * @param model     the model id as sent
     * @param supported the supported ids joined for the message, for example {@code a, b}
     * @return the error {@code "unsupported model: <model> (supported: <supported>)"}
     */
    static BadRequestException unsupportedModel(String model, String supported) {
        return new BadRequestException("unsupported model: " + model + " (supported: " + supported + ")");
    }

    /**
     * @param parent the object holding the field
     * @param field  the field's JSON name
     * @param name   the field's name in error messages, for example {@code input.image_input}
     * @param rule   what every item must be
     * @param broken the end of the message for an item breaking {@code rule}: the error reads
     *               {@code "<name>[<index>] <broken>"}, the index counted from 0
     * @return the items in order; empty when the field is absent or JSON null
     * @throws BadRequestException {@code "<name> must be an array of strings"} when the field is not an array or
     *                             an item is not a string; the item error above for the first item breaking
     *                             {@code rule}
     */
    static List<String> strings(JsonNode parent, String field, String name, Predicate<String> rule, String broken)
            throws BadRequestException {
        JsonNode list = array(parent, field, name);
        List<String> items = new ArrayList<>();
        if (list == null) {
            return items;
        }
        for (int i = 0; i < list.size(); i++) {
            JsonNode item = list.get(i);
            if (!item.isString()) {
                throw new BadRequestException(name + " must be an array of strings");
            }
            if (!rule.test(item.stringValue())) {
                throw new BadRequestException(name + "[" + i + "] " + broken);
            }
            items.add(item.stringValue());
        }
        return items;
    }

    /**
     * @param parent the object holding the field
     * @param field  the field's JSON name
     * @param name   the field's name in error messages
     * @return the array, or null when the field is absent or JSON null
     * @throws BadRequestException {@code "<name> must be an array of strings"} when it is not an array
     */
    static JsonNode array(JsonNode parent, String field, String name) throws BadRequestException {
        JsonNode list = parent.get(field);
        if (list == null || list.isNull()) {
            return null;
        }
        if (!list.isArray()) {
            throw new BadRequestException(name + " must be an array of strings");
        }
        return list;
    }

    /**
     * @param name  the field's name in error messages, for example {@code image_urls}
     * @param max   most images the provider takes
     * @param count images sent
     * @throws BadRequestException {@code "<name> takes at most <max> images, got <count>"} when
     *                             {@code count > max}
     */
    static void atMost(String name, int max, int count) throws BadRequestException {
        if (count > max) {
            throw new BadRequestException(name + " takes at most " + max + " images, got " + count);
        }
    }

    /**
     * @param text a URL as sent
     * @return true for an absolute {@code http} or {@code https} URL (scheme in any case) with a host. The
     * providers document public HTTPS URLs; the sandbox also takes http, to reach a local test server
     */
    static boolean httpUrl(String text) {
        try {
            URI uri = new URI(text);
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            return (scheme.equals("http") || scheme.equals("https")) && uri.getHost() != null;
        } catch (URISyntaxException e) {
            return false;
        }
    }

    /**
     * @param text a callback URL as sent, or null when none was
     * @param name the field's name in error messages, for example {@code callBackUrl}
     * @return the URL, or null when {@code text} is null
     * @throws BadRequestException {@code "<name> must be an http or https URL"} when it is not one
     *                             ({@link #httpUrl})
     */
    static URI callbackUrl(String text, String name) throws BadRequestException {
        if (text == null) {
            return null;
        }
        if (!httpUrl(text)) {
            throw new BadRequestException(name + " must be an http or https URL");
        }
        return URI.create(text);
    }
}
