package io.imagebatch.provider;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.UnresolvedAddressException;
import java.time.Duration;
import java.util.function.Function;

/**
 * The HTTP transport every adapter shares: the JDK {@link HttpClient}, timeouts, and the classification of
 * transport failures. A failure before the request left this machine (connection refused, connect timeout,
 * unknown host) is {@link FailureClass#BUSY} and certainly had no effect; a failure after sending (reset,
 * request timeout) is BUSY with {@link ProviderException#mayHaveReachedProvider()} set, because a create
 * call may then have made a task.
 *
 * <p>Every message this class produces has the API key masked, in case a provider echoes it back.
 */
public final class ProviderHttp {

    private final String provider;
    private final ProviderSettings settings;
    private final HttpClient client;

    /**
     * @param provider the provider name, for messages
     * @param settings base URL, key and timeouts
     */
    public ProviderHttp(String provider, ProviderSettings settings) {
        this.provider = provider;
        this.settings = settings;
        this.client = HttpClient.newBuilder()
                .connectTimeout(settings.connectTimeout())
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
    }

    /**
     * An HTTP answer, whatever its status.
     *
     * @param status     HTTP status
     * @param body       the body as UTF-8 text
     * @param retryAfter the {@code Retry-After} header as a duration (seconds form only), or null
     * @param uri        the URL that answered (the request's: redirects are not followed), or null when unknown
     */
    public record Answer(int status, String body, Duration retryAfter, URI uri) {

        /**
         * An answer whose URL is not known.
         *
         * @param status     HTTP status
         * @param body       the body as UTF-8 text
         * @param retryAfter the {@code Retry-After} header as a duration, or null
         */
        public Answer(int status, String body, Duration retryAfter) {
            this(status, body, retryAfter, null);
        }

        /**
         * @param effectiveStatus the status to classify by (for example the body's {@code code} of an HTTP 200)
         * @return this answer with that status, the same body, {@code Retry-After} and URL
         */
        public Answer withStatus(int effectiveStatus) {
            return new Answer(effectiveStatus, body, retryAfter, uri);
        }
    }

    /** @return the provider's base URL joined with {@code pathAndQuery} */
    public URI resolve(String pathAndQuery) {
        if (settings.baseUrl() == null) {
            throw new IllegalStateException("imagebatch.providers." + provider + ".base-url is not set");
        }
        String base = settings.baseUrl().toString();
        return URI.create((base.endsWith("/") ? base.substring(0, base.length() - 1) : base) + pathAndQuery);
    }

    /** @return a request builder for {@code pathAndQuery} with the request timeout and JSON accept header */
    public HttpRequest.Builder request(String pathAndQuery) {
        return HttpRequest.newBuilder(resolve(pathAndQuery))
                .timeout(settings.requestTimeout())
                .header("Accept", "application/json");
    }

    /** @return the API key, for the adapter's auth header only */
    public String apiKey() {
        return settings.apiKey() == null ? "" : settings.apiKey();
    }

    /**
     * Sends a request and returns the answer, whatever its status.
     *
     * @param request  the request
     * @param callName the call, for messages (for example {@code createTask})
     * @return the answer
     * @throws ProviderException BUSY on a transport failure (see the class comment for
     *                           {@code mayHaveReachedProvider})
     */
    public Answer send(HttpRequest request, String callName) {
        request = SendGate.guard(request); // a create whose body may leave only if its caller still agrees
        try {
            HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
            return new Answer(response.statusCode(), response.body(),
                    parseRetryAfter(response.headers().firstValue("Retry-After").orElse(null)), request.uri());
        } catch (HttpConnectTimeoutException | ConnectException | UnresolvedAddressException e) {
            throw new ProviderException(FailureClass.BUSY, 0, null,
                    provider + " " + callName + ": cannot connect to " + request.uri().getHost() + " (" + e + ")",
                    null, false, e);
        } catch (IOException e) {
            if (SendGate.refusedOnThisThread()) {
                throw new ProviderException(FailureClass.BUSY, 0, null, provider + " " + callName
                        + ": not sent (withdrawn before its body left)", null, false, e);
            }
            boolean notSent = e.getCause() instanceof ConnectException
                    || e.getCause() instanceof UnresolvedAddressException;
            throw new ProviderException(FailureClass.BUSY, 0, null,
                    mask(provider + " " + callName + ": no answer from " + request.uri().getHost() + " (" + e + ")"),
                    null, !notSent, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ProviderException(FailureClass.BUSY, 0, null, provider + " " + callName + ": interrupted",
                    null, true, e);
        }
    }

    /**
     * Builds the exception for an error answer, classified by HTTP status as in the failure table
     * ({@link #classifyStatus}; README, "A real provider"). A 502 or 504 (a gateway that got no answer in time)
     * and a 2xx that is not the expected body are BUSY with {@link ProviderException#mayHaveReachedProvider()} set: the provider
     * may have made the task behind them, so a create answered so makes its row UNCERTAIN, never resent. A
     * {@link FailureClass#CONFIGURATION} answer's message names the URL that answered and its status.
     *
     * @param answer        the error answer
     * @param providerCode  the provider's code from the body, or null
     * @param message       the provider's message from the body, or null
     * @param callName      the call, for the message
     * @param classify      maps the status to a class, when a provider differs from the table; may be null
     * @return the exception to throw
     */
    public ProviderException error(Answer answer, String providerCode, String message, String callName,
            Function<Integer, FailureClass> classify) {
        int status = answer.status();
        FailureClass failureClass = classify != null ? classify.apply(status) : classifyStatus(status);
        String text = provider + " " + callName + " answered HTTP " + status
                + (failureClass == FailureClass.CONFIGURATION && answer.uri() != null
                        ? " at " + withoutQuery(answer.uri()) : "")
                + (providerCode != null && !providerCode.isBlank() && !providerCode.equals(String.valueOf(status))
                        ? " code " + providerCode : "")
                + (message != null && !message.isBlank() ? ": " + message : "");
        return new ProviderException(failureClass, status, providerCode, mask(truncate(text, 500)),
                answer.retryAfter(), mayHaveMadeTask(status), null);
    }

    /**
     * The failure table, by HTTP status (README, "A real provider"): 400, 413, 422 (the answers every provider
     * documents for an invalid request) the row; 401, 402, 403, 505 the account; 429, 455, 408, 5xx busy; 501 generation failed; 2xx busy (an answer we could not
     * read); any other status (404, 3xx redirects, 405, 415, ...) {@link FailureClass#CONFIGURATION}: a wrong
     * base URL or path answers so for every row, so it must not reject rows. Adapters map a status query's 404
     * to BUSY themselves (a task not visible yet).
     *
     * @param status an HTTP status, or a body's {@code code} standing for one
     * @return its class
     */
    public static FailureClass classifyStatus(int status) {
        return switch (status) {
            case 400, 413, 422 -> FailureClass.ROW_INVALID;
            case 401, 402, 403, 505 -> FailureClass.ACCOUNT;
            case 501 -> FailureClass.GENERATION_FAILED;
            case 429, 455, 408 -> FailureClass.BUSY;
            default -> status >= 500 || (status >= 200 && status < 300) ? FailureClass.BUSY
                    : FailureClass.CONFIGURATION;
        };
    }

    /**
     * Whether an error answer may hide a task a create call made: 502 and 504 (a gateway gave up waiting for
     * the provider, which may have made the task meanwhile) and a 2xx we could not read. Our choice, as the
     * design's rule for a dropped answer (README, failure table).
     *
     * @param status an HTTP status
     * @return true when the request may have had its effect
     */
    public static boolean mayHaveMadeTask(int status) {
        return status == 502 || status == 504 || (status >= 200 && status < 300);
    }

    private static String withoutQuery(URI uri) {
        String text = uri.toString();
        int query = text.indexOf('?');
        return query < 0 ? text : text.substring(0, query);
    }

    /** @return {@code text} with the API key replaced by {@code ***} */
    public String mask(String text) {
        String key = settings.apiKey();
        return key == null || key.isBlank() || text == null ? text : text.replace(key, "***");
    }

    private static String truncate(String text, int max) {
        return text.length() <= max ? text : text.substring(0, max) + "...";
    }

    private static Duration parseRetryAfter(String value) {
        if (value == null) {
            return null;
        }
        try {
            return Duration.ofSeconds(Math.max(0, Long.parseLong(value.trim())));
        } catch (NumberFormatException e) {
            return null; // HTTP-date form: fall back to our own backoff
        }
    }
}
