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
     */
    public record Answer(int status, String body, Duration retryAfter) {
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
        try {
            HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
            return new Answer(response.statusCode(), response.body(),
                    parseRetryAfter(response.headers().firstValue("Retry-After").orElse(null)));
        } catch (HttpConnectTimeoutException | ConnectException | UnresolvedAddressException e) {
            throw new ProviderException(FailureClass.BUSY, 0, null,
                    provider + " " + callName + ": cannot connect to " + request.uri().getHost() + " (" + e + ")",
                    null, false, e);
        } catch (IOException e) {
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
     * Builds the exception for an error answer, classified by HTTP status as in PROVIDERS.md's failure table:
     * 400/404/413/422 the row, 401/402/403/505 the account, 429/455/5xx busy, 501 generation failed.
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
                + (providerCode != null && !providerCode.isBlank() && !providerCode.equals(String.valueOf(status))
                        ? " code " + providerCode : "")
                + (message != null && !message.isBlank() ? ": " + message : "");
        return new ProviderException(failureClass, status, providerCode, mask(truncate(text, 500)),
                answer.retryAfter(), false, null);
    }

    /** The failure table of PROVIDERS.md, by HTTP status. */
    public static FailureClass classifyStatus(int status) {
        return switch (status) {
            case 401, 402, 403, 505 -> FailureClass.ACCOUNT;
            case 501 -> FailureClass.GENERATION_FAILED;
            case 429, 455, 408 -> FailureClass.BUSY;
            default -> status >= 500 ? FailureClass.BUSY : FailureClass.ROW_INVALID;
        };
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
