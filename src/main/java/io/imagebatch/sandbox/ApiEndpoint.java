package io.imagebatch.sandbox;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One path of one protocol's API, with all its methods, as the shared server serves it: the injected faults
 * first, then the method, the body limit and the API key, then the route's handler; counts status queries,
 * rejected creates and dropped create answers in the stats, and drops a fraction of successful create answers
 * ({@link SandboxSettings#createDropRate()}). The order is the one {@link SandboxProvider} documents.
 * Thread-safe.
 */
final class ApiEndpoint {

    /** Logged under the sandbox's name, as before this class was split out of it. */
    private static final Logger log = LoggerFactory.getLogger(SandboxProvider.class);

    private final SandboxProtocol protocol;
    private final Map<String, ApiRoute> routes;
    private final ApiRoute any;
    private final FaultGate faults;
    private final StatsCounter stats;
    private final int maxBodyBytes;

    private ApiEndpoint(SandboxProtocol protocol, Map<String, ApiRoute> routes, FaultGate faults,
            StatsCounter stats, int maxBodyBytes) {
        this.protocol = protocol;
        this.routes = routes;
        this.any = routes.values().iterator().next();
        this.faults = faults;
        this.stats = stats;
        this.maxBodyBytes = maxBodyBytes;
    }

    /**
     * Groups the protocols' routes by path, one endpoint per path, in the order the protocols list them.
     *
     * @param protocols    the protocols the server speaks
     * @param faults       the injected faults
     * @param stats        what the sandbox counts
     * @param maxBodyBytes the largest request body accepted, in bytes; larger ones answer 413
     * @return the endpoints
     * @throws IllegalStateException when two protocols claim the same path
     */
    static List<ApiEndpoint> of(List<SandboxProtocol> protocols, FaultGate faults, StatsCounter stats,
            int maxBodyBytes) {
        Map<String, SandboxProtocol> ownerOfPath = new HashMap<>();
        Map<String, Map<String, ApiRoute>> routesByPath = new LinkedHashMap<>();
        for (SandboxProtocol protocol : protocols) {
            for (ApiRoute route : protocol.routes()) {
                SandboxProtocol owner = ownerOfPath.putIfAbsent(route.path(), protocol);
                if (owner != null && owner != protocol) {
                    throw new IllegalStateException("protocols " + owner.name() + " and " + protocol.name()
                            + " both claim " + route.path());
                }
                routesByPath.computeIfAbsent(route.path(), p -> new LinkedHashMap<>()).put(route.method(), route);
            }
        }
        List<ApiEndpoint> endpoints = new ArrayList<>();
        routesByPath.forEach((path, routes) ->
                endpoints.add(new ApiEndpoint(ownerOfPath.get(path), routes, faults, stats, maxBodyBytes)));
        return endpoints;
    }

    /**
     * @return the HTTP server context it lives under: its path, or for an id route ({@code /v1/result/{id}})
     * the prefix ({@code /v1/result/}); the server matches contexts by prefix
     */
    String context() {
        return any.context();
    }

    /**
     * Serves one request: faults, then the key, then the handler; a handler's unexpected exception answers 500
     * in the protocol's error body.
     *
     * @param exchange the request, under {@link #context()}
     * @return the answer, possibly to be dropped ({@link ApiResponse.Delivery#DROP})
     * @throws IOException when the request body cannot be read
     */
    ApiResponse answer(HttpExchange exchange) throws IOException {
        ApiRoute route = routes.get(exchange.getRequestMethod().toUpperCase(Locale.ROOT));
        ApiRoute.Kind kind = route != null ? route.kind() : any.kind();
        if (kind == ApiRoute.Kind.STATUS) {
            stats.statusQueried();
        }
        ApiResponse response;
        try {
            response = serve(route, exchange);
        } catch (RuntimeException e) {
            log.error("sandbox: {} {} failed", exchange.getRequestMethod(), exchange.getRequestURI(), e);
            response = protocol.error(500, FaultGate.SERVER_ERROR_MESSAGE);
        }
        for (java.util.Map.Entry<String, String> header : faults.rateLimitHeaders().entrySet()) {
            response = response.withHeader(header.getKey(), header.getValue());
        }
        if (kind == ApiRoute.Kind.CREATE && !response.successful()) {
            stats.createRejected();
        }
        if (kind == ApiRoute.Kind.CREATE && response.successful() && response.createdTask() != null
                && faults.dropCreateAnswer()) {
            // the task exists (and is counted in creates): only the answer is lost, as when a network breaks
            stats.createDropped(response.createdTask().prompt());
            log.debug("sandbox: dropping the answer to the create of {}", response.createdTask().id());
            return response.deliveredAs(ApiResponse.Delivery.DROP);
        }
        return response;
    }

    private ApiResponse serve(ApiRoute route, HttpExchange exchange) throws IOException {
        String path = exchange.getRequestURI().getPath();
        if (!any.matches(path)) {
            return protocol.error(404, "not found: " + path); // a context matches by prefix
        }
        Optional<Fault> fault = faults.check();
        if (fault.isPresent()) {
            ApiResponse response = protocol.error(fault.get().httpStatus(), fault.get().message());
            return fault.get().retryAfterSeconds() > 0
                    ? response.withHeader("Retry-After", Long.toString(fault.get().retryAfterSeconds()))
                    : response;
        }
        if (route == null) {
            return protocol.error(405, "method not allowed: " + exchange.getRequestMethod())
                    .withHeader("Allow", String.join(", ", routes.keySet()));
        }
        byte[] body = HttpExchanges.readBody(exchange, maxBodyBytes);
        if (body == null) {
            return protocol.error(413, "request body too large (limit " + maxBodyBytes + " bytes)");
        }
        ApiRequest request = new ApiRequest(route.method(), path,
                HttpExchanges.query(exchange.getRequestURI().getRawQuery()), HttpExchanges.lowerCaseHeaders(exchange),
                body);
        if (!protocol.authorized(request)) {
            return protocol.unauthorized();
        }
        int refused = route.kind() == ApiRoute.Kind.CREATE ? faults.accountRefusal(protocol.name()) : 0;
        if (refused != 0) {
            // SandboxProvider#refuseAccount and #failCreatesOf: this provider answers every create so
            if (refused == 401) {
                return protocol.unauthorized();
            }
            ApiResponse answer = protocol.error(refused, refused == 402 || refused == 403 || refused == 505
                    ? "sandbox: account refused" : "sandbox: create refused");
            return refused == 429 || refused == 503 ? answer.withHeader("Retry-After", "1") : answer;
        }
        try {
            return route.handler().handle(request);
        } catch (BadRequestException e) {
            return protocol.badRequest(e.getMessage());
        }
    }
}
