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
 */
public record ProviderSettings(URI baseUrl, String apiKey, Duration connectTimeout, Duration requestTimeout) {

    public ProviderSettings {
        connectTimeout = connectTimeout == null ? Duration.ofSeconds(10) : connectTimeout;
        requestTimeout = requestTimeout == null ? Duration.ofSeconds(60) : requestTimeout;
    }

    /** @return true when both the base URL and the API key are set */
    public boolean isConfigured() {
        return baseUrl != null && apiKey != null && !apiKey.isBlank();
    }

    /** Never shows the key: records print every component by default. */
    @Override
    public String toString() {
        return "ProviderSettings[baseUrl=" + baseUrl + ", apiKey=" + (apiKey == null ? "unset" : "***")
                + ", connectTimeout=" + connectTimeout + ", requestTimeout=" + requestTimeout + "]";
    }
}
