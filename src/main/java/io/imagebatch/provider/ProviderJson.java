package io.imagebatch.provider;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Reading provider answers defensively, the same way in every adapter: a body that is not JSON (a gateway's
 * HTML error page) reads as an empty object, so the failure is classified by its HTTP status alone; a field
 * that is missing, null, blank or not a plain value reads as null.
 */
public final class ProviderJson {

    /** The mapper the adapters share (Jackson 3; thread-safe). */
    public static final JsonMapper JSON = JsonMapper.builder().build();

    private ProviderJson() {
    }

    /**
     * @param body an answer's body, may be null or blank
     * @return its JSON tree (object, array or value), or an empty object when the body is blank or not JSON
     */
    public static JsonNode readBody(String body) {
        try {
            JsonNode node = body == null || body.isBlank() ? null : JSON.readTree(body);
            return node == null ? JSON.createObjectNode() : node;
        } catch (JacksonException e) {
            return JSON.createObjectNode();
        }
    }

    /**
     * @param node  an object node, may be null
     * @param field a field name
     * @return the field's text, or null when it is missing, null, blank or an object or array
     */
    public static String text(JsonNode node, String field) {
        JsonNode value = node == null ? null : node.path(field);
        if (value == null || value.isMissingNode() || value.isNull() || !value.isValueNode()) {
            return null;
        }
        String text = value.asString("");
        return text.isBlank() ? null : text;
    }

    /**
     * @param values candidates, in order of preference
     * @param <T>    their type
     * @return the first that is not null, or null
     */
    @SafeVarargs
    public static <T> T firstNonNull(T... values) {
        for (T value : values) {
            if (value != null) {
                return value;
            }
        }
        return null;
    }

    /**
     * @param text a body or message for an error message, may be null
     * @return at most 200 characters of it (then {@code ...}), or "" for null
     */
    public static String shorten(String text) {
        return text == null ? "" : text.length() <= 200 ? text : text.substring(0, 200) + "...";
    }
}
