package io.imagebatch.http;

import java.net.ConnectException;
import java.net.ProxySelector;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpTimeoutException;
import java.nio.channels.UnresolvedAddressException;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * The one HTTP client configuration of the project, shared by the provider calls
 * ({@code io.imagebatch.provider.ProviderHttp}), the downloads ({@code io.imagebatch.storage.ImageDownloader}) and
 * the webhook ({@code io.imagebatch.report.WebhookNotifier}), and the one place that reads what a failed call's
 * exception says about the request. Each user keeps its own limits (request timeouts and deadlines, answer sizes,
 * download rates).
 *
 * <p>The configuration (README, "A real provider"): the JDK {@link HttpClient} with its default executor and
 * protocol version, a connect timeout, and redirects <b>never</b> followed by the client: a provider or webhook
 * that redirects is answered as its 3xx status says (a wrong base URL is a configuration problem), and the
 * downloader follows redirects itself, checking every hop.
 */
public final class HttpClients {

    private HttpClients() {
    }

    /**
     * A builder with the project's configuration, for a user that adds to it (the downloader's proxy in tests).
     *
     * @param connectTimeout how long to wait for a TCP (and TLS) connection; positive
     * @return a new builder: redirects never followed, {@code connectTimeout} set
     * @throws NullPointerException     when {@code connectTimeout} is null
     * @throws IllegalArgumentException when {@code connectTimeout} is zero or negative
     */
    public static HttpClient.Builder builder(Duration connectTimeout) {
        return HttpClient.newBuilder()
                .connectTimeout(Objects.requireNonNull(connectTimeout, "connectTimeout"))
                .followRedirects(HttpClient.Redirect.NEVER);
    }

    /**
     * A client with the project's configuration ({@link #builder}).
     *
     * @param connectTimeout how long to wait for a TCP (and TLS) connection; positive
     * @return a new client
     * @throws NullPointerException     when {@code connectTimeout} is null
     * @throws IllegalArgumentException when {@code connectTimeout} is zero or negative
     */
    public static HttpClient create(Duration connectTimeout) {
        return builder(connectTimeout).build();
    }

    /**
     * A client with the project's configuration and a proxy selector.
     *
     * @param connectTimeout how long to wait for a TCP (and TLS) connection; positive
     * @param proxy          the proxy selector, or null for the JDK's default (direct connections unless the JVM is
     *                       configured otherwise)
     * @return a new client
     * @throws NullPointerException     when {@code connectTimeout} is null
     * @throws IllegalArgumentException when {@code connectTimeout} is zero or negative
     */
    public static HttpClient create(Duration connectTimeout, ProxySelector proxy) {
        HttpClient.Builder builder = builder(connectTimeout);
        if (proxy != null) {
            builder.proxy(proxy);
        }
        return builder.build();
    }

    /**
     * The exception a call actually failed with, unwrapped from the {@link CompletionException} and
     * {@link ExecutionException} layers of {@link HttpClient#sendAsync}.
     *
     * @param thrown what the call or its future threw, not null
     * @return the innermost cause past those layers ({@code thrown} itself when it is neither)
     */
    public static Throwable unwrap(Throwable thrown) {
        Throwable e = thrown;
        while ((e instanceof CompletionException || e instanceof ExecutionException) && e.getCause() != null) {
            e = e.getCause();
        }
        return e;
    }

    /**
     * Whether a failed call certainly never sent its request: the connection was refused, timed out while
     * connecting, or the host name did not resolve (also when the JDK wraps such a failure once). Anything else
     * (a reset, a request timeout, a closed connection) may have happened after the request left, so a create
     * call may have had its effect (docs/design.md, failure classes: UNCERTAIN).
     *
     * @param failure an unwrapped failure ({@link #unwrap})
     * @return true when the request cannot have reached the server
     */
    public static boolean notSent(Throwable failure) {
        return isConnectFailure(failure) || isConnectFailure(failure.getCause());
    }

    /**
     * @param failure an unwrapped failure ({@link #unwrap}), may be null
     * @return true when it is itself a connect failure (refused, connect timeout, unresolved host), not a wrapped
     *         one
     */
    public static boolean isConnectFailure(Throwable failure) {
        return failure instanceof HttpConnectTimeoutException || failure instanceof ConnectException
                || failure instanceof UnresolvedAddressException;
    }

    /**
     * @param failure an unwrapped failure ({@link #unwrap}), may be null
     * @return true when the JDK client gave up waiting (connect or request timeout)
     */
    public static boolean isTimeout(Throwable failure) {
        return failure instanceof HttpTimeoutException;
    }
}
