package io.imagebatch.sandbox;

import java.util.Objects;

/**
 * One endpoint of a protocol's API. The server checks faults and authentication before calling the handler.
 *
 * @param method  the HTTP method it answers, upper case
 * @param path    the exact path, for example {@code /api/v1/jobs/createTask}; or, ending with {@code /}, a prefix
 *                followed by exactly one non-empty path segment, for example {@code /v1/tasks/} for
 *                {@code /v1/tasks/{taskId}} (the handler reads the segment from {@link ApiRequest#path()})
 * @param kind    what it is, for the stats
 * @param handler serves an authenticated request; may throw, which answers HTTP 500
 */
record ApiRoute(String method, String path, Kind kind, Handler handler) {

    ApiRoute {
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(handler, "handler");
    }

    /**
     * @param requestPath a decoded request path
     * @return true when this route serves it: the same path, or for a path ending with {@code /} that prefix
     * followed by one non-empty segment without a further {@code /}
     */
    boolean matches(String requestPath) {
        if (!path.endsWith("/")) {
            return path.equals(requestPath);
        }
        return requestPath.startsWith(path) && requestPath.length() > path.length()
                && requestPath.indexOf('/', path.length()) < 0;
    }

    /** What an endpoint does, for {@link SandboxStats}. */
    enum Kind {
        /** Creates a task: a non-2xx answer counts as a rejected create. */
        CREATE,
        /** Queries a task: every request counts as a status query. */
        STATUS,
        /** Anything else: not counted. */
        OTHER
    }

    /** Serves one request. */
    @FunctionalInterface
    interface Handler {
        /**
         * @param request the request, authenticated
         * @return the answer
         */
        ApiResponse handle(ApiRequest request);
    }
}
