package io.imagebatch.report;

import java.net.URI;
import java.time.Duration;
import java.util.Locale;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Batch-end notification, {@code imagebatch.notify.*} (environment variables
 * {@code IMAGEBATCH_NOTIFY_WEBHOOKURL}, {@code IMAGEBATCH_NOTIFY_TIMEOUT}). When a webhook URL is set, the
 * batch's manifest ({@link BatchManifest}) is POSTed to it as JSON when a run of the job ends, completed or not
 * ({@link BatchEndNotifier}).
 *
 * <p>The URL may carry a token in its query string or path (many chat and automation webhooks do): it is
 * treated as a secret, logged as scheme, host and port only ({@link WebhookNotifier#redact(URI)}), and never
 * written to the manifest, the ledger or the job repository.
 *
 * @param webhookUrl an {@code http} or {@code https} URL with a host, or null (the default) for no notification;
 *                   a blank value counts as not set
 * @param timeout    how long to wait to connect, and then for the answer; default 5 s. A webhook that takes longer
 *                   is given up (logged); the batch's outcome does not change
 */
@ConfigurationProperties("imagebatch.notify")
public record NotifyProperties(URI webhookUrl, @DefaultValue("5s") Duration timeout) {

    /** The default timeout: 5 s. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);

    /**
     * Checks the settings.
     *
     * @param webhookUrl see {@link #webhookUrl()}
     * @param timeout    see {@link #timeout()}; null means the default, 5 s
     * @throws IllegalArgumentException when the URL is not http(s) with a host, or the timeout is not positive; the
     *                                  message shows only the URL's scheme, host and port
     */
    public NotifyProperties {
        if (webhookUrl != null && webhookUrl.toString().isBlank()) {
            webhookUrl = null;
        }
        if (webhookUrl != null) {
            String scheme = webhookUrl.getScheme() == null ? "" : webhookUrl.getScheme().toLowerCase(Locale.ROOT);
            if (!(scheme.equals("http") || scheme.equals("https")) || webhookUrl.getHost() == null) {
                throw new IllegalArgumentException("imagebatch.notify.webhook-url must be an http or https URL with"
                        + " a host, got " + WebhookNotifier.redact(webhookUrl));
            }
        }
        timeout = timeout == null ? DEFAULT_TIMEOUT : timeout;
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("imagebatch.notify.timeout must be positive");
        }
    }

    /** @return settings without a webhook: nothing is sent */
    public static NotifyProperties none() {
        return new NotifyProperties(null, DEFAULT_TIMEOUT);
    }
}
