package io.imagebatch.sandbox;

import java.util.Objects;

/**
 * One endpoint of a protocol's API. The server checks faults and authentication before calling the handler.
 *
 * @param method  the HTTP method it answers, upper case
 * @param path    the exact path, for example {@code /api/v1/jobs/createTask}; or a path whose last segment is
 *                {@value #ID_SEGMENT}, for example {@code /v1/result/{id}}, which matches any one non-empty
 *                segment there (the handler reads it with {@link #pathId})
 * @param kind    what it is, for the stats
 * @param handler serves an authenticated request; a {@link BadRequestException} it throws is answered with
 *                {@link SandboxProtocol#badRequest}, any other exception with HTTP 500
 */
record ApiRoute(String method, String path, Kind kind, Handler handler) {

    /** The last path segment that stands for an id. */
    static final String ID_SEGMENT = "{id}";

    ApiRoute {
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(handler, "handler");
        if (path.contains("{") && !(path.endsWith("/" + ID_SEGMENT) && path.indexOf('{') == path.length() - 4)) {
            throw new IllegalArgumentException("only the last path segment may be " + ID_SEGMENT + ": " + path);
        }
    }

    /**
     * @return the HTTP server context the route lives under: the path itself, or for {@code /v1/result/{id}}
     * the prefix {@code /v1/result/}
     */
    String context() {
        return path.endsWith(ID_SEGMENT) ? path.substring(0, path.length() - ID_SEGMENT.length()) : path;
    }

    /**
     * @param requestPath a decoded request path
     * @return true when the route serves it: the same path, or for an id route the prefix and one non-empty
     * segment without {@code /}
     */
    boolean matches(String requestPath) {
        if (!path.endsWith(ID_SEGMENT)) {
            return path.equals(requestPath);
        }
        String prefix = context();
        return requestPath.startsWith(prefix) && requestPath.length() > prefix.length()
                && requestPath.indexOf('/', prefix.length()) < 0;
    }

    /**
     * @param requestPath a decoded request path this id route {@link #matches}
     * @return its last segment, for example {@code abc} for {@code /v1/result/abc}
     */
    String pathId(String requestPath) {
        return requestPath.substring(context().length());
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
         * @throws BadRequestException when the request breaks a documented rule; its message is the error text
         */
        ApiResponse handle(ApiRequest request) throws BadRequestException;
    }
}
