package io.imagebatch.sandbox;

import java.util.List;

/**
 * One provider's API as the sandbox speaks it: its endpoints, how it checks the API key and how its error
 * bodies look. The shared server ({@link SandboxProvider}) routes requests, injects faults and counts stats;
 * tasks live in the shared {@link TaskEngine}; result files are served by the shared {@code /files} endpoint.
 * Implementations are thread-safe.
 */
interface SandboxProtocol {

    /** @return short lower-case name, for example {@code liangxin} */
    String name();

    /** @return the endpoints, each with a distinct method and path */
    List<ApiRoute> routes();

    /**
     * @param request a request to one of this protocol's endpoints
     * @return true when it carries the sandbox's API key the way this provider expects it
     */
    boolean authorized(ApiRequest request);

    /** @return the answer to a request with a missing or wrong API key */
    ApiResponse unauthorized();

    /**
     * @param httpStatus the HTTP status
     * @param message    what is wrong
     * @return an answer with that status and the provider's documented error body
     */
    ApiResponse error(int httpStatus, String message);

    /**
     * The answer to a request that breaks a documented rule (a handler threw {@link BadRequestException}).
     *
     * @param message the rule broken, for example {@code input.prompt is required}
     * @return by default HTTP 400 with {@link #error}; a protocol whose provider documents another status or
     * message form overrides it
     */
    default ApiResponse badRequest(String message) {
        return error(400, message);
    }
}
