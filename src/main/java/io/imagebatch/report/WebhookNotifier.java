package io.imagebatch.report;

import io.imagebatch.http.HttpClients;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * POSTs a JSON document to the webhook of {@link NotifyProperties}, once, with the JDK {@link HttpClient} and a
 * short timeout over the whole call (connect, send, status and headers; the answer's body is not read). A webhook that fails (refused connection, timeout, an answer other than 2xx) is logged and
 * otherwise ignored: a notification never changes a batch's outcome. Redirects are not followed.
 */
public class WebhookNotifier {

    private static final Logger log = LoggerFactory.getLogger(WebhookNotifier.class);

    private final NotifyProperties properties;

    /** @param properties the webhook URL and timeout */
    public WebhookNotifier(NotifyProperties properties) {
        this.properties = properties;
    }

    /** @return true when a webhook URL is set */
    public boolean isConfigured() {
        return properties.webhookUrl() != null;
    }

    /**
     * Sends {@code json} to the webhook, when one is set. Never throws.
     *
     * @param json the request body ({@code Content-Type: application/json; charset=utf-8})
     * @return true when the webhook answered 2xx; false when none is set or it failed (logged)
     */
    public boolean send(String json) {
        URI url = properties.webhookUrl();
        if (url == null) {
            return false;
        }
        String where = redact(url);
        try {
            HttpClient client = HttpClients.create(properties.timeout());
            HttpRequest request = HttpRequest.newBuilder(url).timeout(properties.timeout())
                    .header("Content-Type", "application/json; charset=utf-8").header("User-Agent", "imagebatch")
                    .POST(HttpRequest.BodyPublishers.ofString(json, StandardCharsets.UTF_8)).build();
            // one deadline over the whole call: the answer's body is never read (its status is all we need), so
            // a webhook that drips or never ends its body cannot hold the end of the batch
            CompletableFuture<HttpResponse<Void>> call = client.sendAsync(request, info -> new StatusOnly());
            HttpResponse<Void> response;
            try {
                response = call.get(properties.timeout().toMillis(), TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                call.cancel(true);
                log.warn("The webhook {} did not answer within {} ms; the batch is not affected", where,
                        properties.timeout().toMillis());
                return false;
            } catch (ExecutionException e) {
                throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
            }
            if (response.statusCode() / 100 == 2) {
                log.info("Sent the batch manifest to the webhook {} (HTTP {})", where, response.statusCode());
                return true;
            }
            log.warn("The webhook {} answered HTTP {}; the batch is not affected", where, response.statusCode());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            log.warn("Interrupted while notifying the webhook {}; the batch is not affected", where);
        } catch (IOException | RuntimeException e) {
            log.warn("Could not notify the webhook {}: {}; the batch is not affected", where, describe(e, url, where));
        }
        return false;
    }

    /** The exception and its first cause that says something, the URL (were it quoted) redacted. */
    private static String describe(Throwable e, URI url, String where) {
        StringBuilder sb = new StringBuilder(e.getClass().getSimpleName());
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t.getMessage() != null && !t.getMessage().isBlank()) {
                String message = t.getMessage().replace(url.toString(), where);
                if (url.getRawQuery() != null) {
                    message = message.replace(url.getRawQuery(), "...");
                }
                if (url.getRawPath() != null && url.getRawPath().length() > 1) {
                    message = message.replace(url.getRawPath(), "/...");
                }
                sb.append(": ").append(message);
                break;
            }
        }
        return sb.toString();
    }

    /**
     * A webhook URL as it may be logged: scheme, host and port only. User info and the query string are where
     * tokens usually live, and Slack- or Discord-style webhooks carry theirs in the path, so all three go.
     *
     * @param url any URI, or null
     * @return for {@code https://user:pw@hooks.example:8443/x/y?token=abc}: {@code https://hooks.example:8443/...};
     *         {@code (none)} for null
     */
    public static String redact(URI url) {
        if (url == null) {
            return "(none)";
        }
        if (url.getHost() == null) {
            // not a URL we would send to; its scheme is all that is safe to show
            return (url.getScheme() == null ? "" : url.getScheme() + ":") + "...";
        }
        StringBuilder sb = new StringBuilder();
        sb.append(url.getScheme()).append("://").append(url.getHost());
        if (url.getPort() >= 0) {
            sb.append(':').append(url.getPort());
        }
        String path = url.getRawPath();
        if (path != null && !path.isEmpty() && !path.equals("/")) {
            sb.append("/...");
        }
        return sb.toString();
    }

    /** Takes an answer's status and headers only: the body is cancelled unread (the connection closes). */
    private static final class StatusOnly implements HttpResponse.BodySubscriber<Void> {

        @Override
        public CompletionStage<Void> getBody() {
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public void onSubscribe(Flow.Subscription subscription) {
            subscription.cancel();
        }

        @Override
        public void onNext(List<ByteBuffer> item) {
            // cancelled: nothing more comes
        }

        @Override
        public void onError(Throwable throwable) {
            // the body is not wanted
        }

        @Override
        public void onComplete() {
            // the body is not wanted
        }
    }
}
