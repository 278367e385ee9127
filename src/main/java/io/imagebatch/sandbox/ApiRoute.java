package io.imagebatch.sandbox;

import java.util.Objects;

/**
 * One endpoint of a protocol's API. The server checks faults and authentication before calling the handler.
 *
 * @param method  the HTTP method it answers, upper case
 * @param path    the exact path, for example {@code /api/v1/jobs/createTask}
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
