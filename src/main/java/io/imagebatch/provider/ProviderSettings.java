package io.imagebatch.provider;

import java.net.URI;
import java.time.Duration;

/**
 * Connection settings of one provider, bound from {@code imagebatch.providers.<name>.*} (so the environment
 * variables {@code IMAGEBATCH_PROVIDERS_<NAME>_BASEURL} and {@code _APIKEY} work).
 *
 * @param baseUrl        the provider's base URL, for example {@code https://api.example.com}; null when not set
 * @param apiKey         the API key; never logged, never stored ({@link #toString()} hides it)
 * @param connectTimeout how long to wait for a TCP/TLS connection; default 10 s
 * @param requestTimeout how long to wait for a whole answer once connected; default 60 s
 * @param callbackSecret the secret callbacks are signed with (HiAPI: HMAC-SHA256, docs/providers/hiapi.md); never
 *                       logged; null when callbacks are not signed
 * @param callbackField  the create body's callback field name where the documentation disagrees with itself
 *                       (crun.ai: {@code callback_url} or {@code callBackUrl}, docs/providers/crun.md); null for
 *                       the adapter's default
 * @param creditsPerImage credits one image costs, for the balance check before a batch (crun.ai); null when unknown
 * @param requestsPerSecond the most requests per second this key may send, creates and status queries together
 *                       (the provider's rate limit); null or 0 for no limit. A 429 lowers the rate, which recovers
 *                       while no 429 comes ({@link ProviderThrottle})
 * @param maxInFlight    the most requests to this provider in flight at once; default 32
 */
public record ProviderSettings(URI baseUrl, String apiKey, Duration connectTimeout, Duration requestTimeout,
        String callbackSecret, String callbackField, Double creditsPerImage, Double requestsPerSecond,
        Integer maxInFlight) {

    public ProviderSettings {
        connectTimeout = connectTimeout == null ? Duration.ofSeconds(10) : connectTimeout;
        requestTimeout = requestTimeout == null ? Duration.ofSeconds(60) : requestTimeout;
        maxInFlight = maxInFlight == null || maxInFlight < 1 ? 32 : maxInFlight;
    }

    /**
     * @param baseUrl the base URL
     * @param apiKey  the key
     * @return settings with default timeouts and no callback or credit settings
     */
    public static ProviderSettings of(URI baseUrl, String apiKey) {
        return new ProviderSettings(baseUrl, apiKey, null, null, null, null, null, null, null);
    }

    /**
     * @param defaultBaseUrl the documented public base URL
     * @return these settings, with {@code defaultBaseUrl} when no base URL is set
     */
    public ProviderSettings withDefaultBaseUrl(URI defaultBaseUrl) {
        return baseUrl != null ? this : new ProviderSettings(defaultBaseUrl, apiKey, connectTimeout, requestTimeout,
                callbackSecret, callbackField, creditsPerImage, requestsPerSecond, maxInFlight);
    }

    /** @return true when both the base URL and the API key are set */
    public boolean isConfigured() {
        return baseUrl != null && apiKey != null && !apiKey.isBlank();
    }

    /** Never shows the key: records print every component by default. */
    @Override
    public String toString() {
        return "ProviderSettings[baseUrl=" + baseUrl + ", apiKey=" + (apiKey == null ? "unset" : "***")
                + ", connectTimeout=" + connectTimeout + ", requestTimeout=" + requestTimeout
                + ", callbackSecret=" + (callbackSecret == null ? "unset" : "***") + ", callbackField=" + callbackField
                + ", creditsPerImage=" + creditsPerImage + ", requestsPerSecond=" + requestsPerSecond
                + ", maxInFlight=" + maxInFlight + "]";
    }
}
