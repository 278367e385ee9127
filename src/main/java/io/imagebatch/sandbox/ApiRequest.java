package io.imagebatch.sandbox;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * An HTTP request as a protocol handler sees it: already read, so handlers never touch the exchange.
 *
 * @param method  HTTP method, upper case
 * @param path    the decoded path, for example {@code /api/v1/jobs/recordInfo}
 * @param query   query parameters, decoded; the first value of each name; never null
 * @param headers request headers, names in lower case; never null
 * @param body    the body bytes, empty when there is none; never null
 */
record ApiRequest(String method, String path, Map<String, String> query, Map<String, List<String>> headers,
        byte[] body) {

    ApiRequest {
        query = Map.copyOf(query);
        headers = Map.copyOf(headers);
    }

    /**
     * @param name header name, any case
     * @return the first value of that header, or null
     */
    String header(String name) {
        List<String> values = headers.get(name.toLowerCase(java.util.Locale.ROOT));
        return values == null || values.isEmpty() ? null : values.get(0);
    }

    /**
     * @param name a query parameter name, exact
     * @return its value, not blank
     * @throws BadRequestException {@code "<name> is required"} when it is absent or blank
     */
    String requiredQuery(String name) throws BadRequestException {
        String value = query.get(name);
        if (value == null || value.isBlank()) {
            throw new BadRequestException(name + " is required");
        }
        return value;
    }

    /** @return the body decoded as UTF-8 */
    String bodyText() {
        return new String(body, StandardCharsets.UTF_8);
    }
}
