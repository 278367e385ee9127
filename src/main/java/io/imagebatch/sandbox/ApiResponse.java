package io.imagebatch.sandbox;

import java.util.Map;

/**
 * What to answer an HTTP request with.
 *
 * @param status      HTTP status
 * @param contentType the {@code Content-Type} header
 * @param headers     further headers, for example {@code Retry-After}; never null
 * @param body        the body bytes, sent with a {@code Content-Length}; never null
 */
record ApiResponse(int status, String contentType, Map<String, String> headers, byte[] body) {

    /** Content type of every JSON answer. */
    static final String JSON = "application/json; charset=utf-8";

    ApiResponse {
        headers = Map.copyOf(headers);
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
        return new ApiResponse(status, contentType, more, body);
    }

    /** @return true for a 2xx status */
    boolean successful() {
        return status >= 200 && status < 300;
    }
}
