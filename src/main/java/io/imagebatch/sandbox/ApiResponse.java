package io.imagebatch.sandbox;

import java.util.Map;
import java.util.Objects;

/**
 * What to answer an HTTP request with.
 *
 * @param status      HTTP status
 * @param contentType the {@code Content-Type} header
 * @param headers     further headers, for example {@code Retry-After}; never null
 * @param body        the body bytes, sent with a {@code Content-Length}; never null
 * @param createdTask the task a create request made, so that the server can count a dropped answer by its
 *                    prompt; null for any other answer
 * @param delivery    how the answer is sent: in full, not at all, or cut short; never null
 */
record ApiResponse(int status, String contentType, Map<String, String> headers, byte[] body,
        SandboxTask createdTask, Delivery delivery) {

    /** Content type of every JSON answer. */
    static final String JSON = "application/json; charset=utf-8";

    /** How the server sends an answer; the two faults stand for a network or provider that breaks mid-way. */
    enum Delivery {
        /** Status, headers and the whole body, with its {@code Content-Length}. */
        FULL,
        /** Nothing: the connection is closed without a byte of response. */
        DROP,
        /**
         * Status and headers with the whole body's {@code Content-Length}, then only the first half of the body
         * (at least one byte short), then the connection is closed.
         */
        CUT
    }

    ApiResponse {
        headers = Map.copyOf(headers);
        Objects.requireNonNull(body, "body");
        Objects.requireNonNull(delivery, "delivery");
    }

    /**
     * An answer sent in full, about no created task.
     *
     * @param status      HTTP status
     * @param contentType the {@code Content-Type} header
     * @param headers     further headers; never null
     * @param body        the body bytes; never null
     */
    ApiResponse(int status, String contentType, Map<String, String> headers, byte[] body) {
        this(status, contentType, headers, body, null, Delivery.FULL);
    }

    /**
     * @param status HTTP status
     * @param body   JSON bytes
     * @return a JSON answer without extra headers
     */
    static ApiResponse json(int status, byte[] body) {
        return new ApiResponse(status, JSON, Map.of(), body);
    }

    /**
     * @param name  header name
     * @param value header value
     * @return a copy with that header added
     */
    ApiResponse withHeader(String name, String value) {
        Map<String, String> more = new java.util.HashMap<>(headers);
        more.put(name, value);
        return new ApiResponse(status, contentType, more, body, createdTask, delivery);
    }

    /**
     * @param task the task the create request made
     * @return a copy that names it (protocols call this on their successful create answers)
     */
    ApiResponse withCreatedTask(SandboxTask task) {
        return new ApiResponse(status, contentType, headers, body, task, delivery);
    }

    /**
     * @param how how to send it
     * @return a copy sent that way
     */
    ApiResponse deliveredAs(Delivery how) {
        return new ApiResponse(status, contentType, headers, body, createdTask, how);
    }

    /** @return true for a 2xx status */
    boolean successful() {
        return status >= 200 && status < 300;
    }
}
