package io.imagebatch.sandbox;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sandbox's side of the JDK HTTP server ({@code com.sun.net.httpserver}): reads a request's body, query and
 * headers out of an {@link HttpExchange}, and writes an {@link ApiResponse} into it, in full or, for the injected
 * network faults, not at all or cut short ({@link ApiResponse.Delivery}). Stateless.
 */
final class HttpExchanges {

    /** Logged under the sandbox's name, as before this class was split out of it. */
    private static final Logger log = LoggerFactory.getLogger(SandboxProvider.class);

    private HttpExchanges() {
    }

    /** Produces the answer to an exchange; may throw. */
    @FunctionalInterface
    interface Answerer {
        /**
         * @return the answer
         * @throws IOException when the request cannot be read
         */
        ApiResponse answer() throws IOException;
    }

    /**
     * Writes the answer and always closes the exchange; an unexpected error ({@link IOException} or
     * {@link RuntimeException} from {@code answerer}) is logged and answered with {@code onError}. A
     * {@link ApiResponse.Delivery#DROP} or {@link ApiResponse.Delivery#CUT} answer ends with the connection
     * closed: this method then throws {@link ConnectionCut}, which makes the JDK server close the connection
     * instead of keeping it alive (closing the exchange alone leaves a cut response's connection open, and the
     * client would wait for the missing bytes until its timeout).
     *
     * @param exchange the exchange to answer
     * @param answerer produces the answer
     * @param onError  the answer to an unexpected error, for example an HTTP 500
     * @throws IOException (a {@link ConnectionCut}) after an answer dropped or cut on purpose
     */
    static void serve(HttpExchange exchange, Answerer answerer, Supplier<ApiResponse> onError) throws IOException {
        ApiResponse.Delivery delivery = write(exchange, answerer, onError);
        if (delivery != ApiResponse.Delivery.FULL) {
            throw new ConnectionCut(delivery);
        }
    }

    /** @return how the answer was delivered */
    private static ApiResponse.Delivery write(HttpExchange exchange, Answerer answerer,
            Supplier<ApiResponse> onError) {
        ApiResponse.Delivery delivery = ApiResponse.Delivery.FULL;
        try (exchange) {
            ApiResponse response;
            try {
                response = answerer.answer();
            } catch (IOException | RuntimeException e) {
                log.error("sandbox: {} {} failed", exchange.getRequestMethod(), exchange.getRequestURI(), e);
                response = onError.get();
            }
            drain(exchange);
            delivery = response.delivery();
            if (delivery == ApiResponse.Delivery.DROP) {
                // no status line, no headers: closing an exchange whose headers were never sent closes the
                // connection, and the handler's exception makes sure of it
                return delivery;
            }
            exchange.getResponseHeaders().set("Content-Type", response.contentType());
            response.headers().forEach((name, value) -> exchange.getResponseHeaders().set(name, value));
            exchange.sendResponseHeaders(response.status(), response.body().length == 0 ? -1 : response.body().length);
            if (delivery == ApiResponse.Delivery.CUT) {
                // half the body, at least one byte short of the Content-Length; the body stream is left unclosed
                // (closing it short would throw and leave the connection open)
                OutputStream out = exchange.getResponseBody();
                out.write(response.body(), 0, Math.max(0, Math.min(response.body().length / 2,
                        response.body().length - 1)));
                out.flush();
            } else if (response.body().length > 0) {
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(response.body());
                }
            }
        } catch (IOException e) {
            log.debug("sandbox: could not answer {} {}: {}", exchange.getRequestMethod(), exchange.getRequestURI(),
                    e.toString());
        }
        return delivery;
    }

    /**
     * Thrown out of a handler to have the JDK server close the connection (it does so for any exception a
     * handler throws before the response is complete).
     */
    private static final class ConnectionCut extends IOException {
        private static final long serialVersionUID = 1L;

        ConnectionCut(ApiResponse.Delivery delivery) {
            super("sandbox: connection closed on purpose (" + delivery + ")");
        }
    }

    /**
     * @param exchange the exchange
     * @param maxBytes the largest body accepted, in bytes
     * @return the body, or null when it is over {@code maxBytes} (by its {@code Content-Length} or as read)
     * @throws IOException when the body cannot be read
     */
    static byte[] readBody(HttpExchange exchange, int maxBytes) throws IOException {
        String length = exchange.getRequestHeaders().getFirst("Content-Length");
        if (length != null) {
            try {
                if (Long.parseLong(length.trim()) > maxBytes) {
                    return null;
                }
            } catch (NumberFormatException ignored) {
                // the server itself rejects a bad Content-Length; read what comes
            }
        }
        InputStream in = exchange.getRequestBody();
        byte[] body = in.readNBytes(maxBytes + 1);
        return body.length > maxBytes ? null : body;
    }

    /** Reads what is left of the request body, so the connection can be kept alive. */
    private static void drain(HttpExchange exchange) {
        try (InputStream in = exchange.getRequestBody()) {
            in.transferTo(OutputStream.nullOutputStream());
        } catch (IOException ignored) {
            // the client went away; nothing to keep alive
        }
    }

    /**
     * @param rawQuery the raw query string, or null
     * @return the parameters, names and values URL-decoded as UTF-8; the first value of each name; a name
     * without {@code =} has the value {@code ""}
     */
    static Map<String, String> query(String rawQuery) {
        Map<String, String> query = new HashMap<>();
        if (rawQuery == null || rawQuery.isEmpty()) {
            return query;
        }
        for (String pair : rawQuery.split("&")) {
            int eq = pair.indexOf('=');
            String name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            query.putIfAbsent(name, value);
        }
        return query;
    }

    /**
     * @param exchange the exchange
     * @return its request headers, names in lower case ({@link Locale#ROOT}), the values of names differing only
     * in case joined in order
     */
    static Map<String, List<String>> lowerCaseHeaders(HttpExchange exchange) {
        Map<String, List<String>> headers = new HashMap<>();
        exchange.getRequestHeaders().forEach((name, values) ->
                headers.merge(name.toLowerCase(Locale.ROOT), List.copyOf(values), (a, b) -> {
                    List<String> both = new ArrayList<>(a);
                    both.addAll(b);
                    return List.copyOf(both);
                }));
        return headers;
    }
}
