package io.imagebatch.sandbox;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The {@code {"code":<status>,"<message field>":<text>,"data":...}} answer envelope that LiangXin ({@code msg}),
 * crun.ai and HiAPI ({@code message}) wrap their answers in (docs/providers/liangxin.md, crun.md, hiapi.md), and
 * the sandbox's own errors outside any protocol ({@code msg}). Fields are written in that order. Thread-safe.
 */
final class CodeEnvelope {

    private final JsonMapper json;
    private final String messageField;

    /**
     * @param json         the mapper that makes the nodes
     * @param messageField the name of the text field: {@code msg} or {@code message}
     */
    CodeEnvelope(JsonMapper json, String messageField) {
        this.json = json;
        this.messageField = messageField;
    }

    /**
     * @param data the answer's {@code data}
     * @return {@code {"code":200,"<message field>":"success","data":<data>}}
     */
    ObjectNode success(JsonNode data) {
        ObjectNode body = json.createObjectNode();
        body.put("code", 200);
        body.put(messageField, "success");
        body.set("data", data);
        return body;
    }

    /**
     * @param httpStatus the HTTP status, repeated as {@code code}
     * @param message    what is wrong
     * @return {@code {"code":<httpStatus>,"<message field>":<message>,"data":null}}; a protocol may add fields
     * after {@code data}
     */
    ObjectNode error(int httpStatus, String message) {
        ObjectNode body = json.createObjectNode();
        body.put("code", httpStatus);
        body.put(messageField, message);
        body.putNull("data");
        return body;
    }

    /**
     * @param httpStatus the HTTP status
     * @param message    what is wrong
     * @return an answer with that status and {@link #error(int, String)} as its body
     */
    ApiResponse errorAnswer(int httpStatus, String message) {
        return ApiResponse.json(httpStatus, json.writeValueAsBytes(error(httpStatus, message)));
    }
}
