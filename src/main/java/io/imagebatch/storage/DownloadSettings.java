package io.imagebatch.storage;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Settings of the download step's {@link ImageDownloader}, bound from {@code imagebatch.download.*}
 * (environment variables {@code IMAGEBATCH_DOWNLOAD_ALLOWPRIVATENETWORKS}, {@code ..._CONNECTTIMEOUT},
 * {@code ..._READTIMEOUT}, {@code ..._MAXBYTES}, {@code ..._MAXREDIRECTS}). Durations take Spring's forms
 * ({@code 10s}, {@code 2m}, {@code PT30S}; a bare number is milliseconds).
 *
 * @param allowPrivateNetworks true to allow result URLs whose host resolves to a loopback, link-local,
 *                             site-local, carrier-grade NAT, unique-local or multicast address; false (default)
 *                             refuses them so that a result URL cannot reach internal services. Tests and the
 *                             sandbox provider on loopback need true
 * @param connectTimeout       TCP/TLS connect timeout; default 10 s
 * @param readTimeout          time allowed for the response headers, and then for each read of the body (no
 *                             data for this long fails the download); default 120 s
 * @param maxBytes             largest image accepted, in bytes; a larger one fails and nothing is stored;
 *                             default 67108864 (64 MiB)
 * @param maxRedirects         most redirects followed per download, each re-checked; default 5, 0 refuses any
 */
@ConfigurationProperties("imagebatch.download")
public record DownloadSettings(
        @DefaultValue("false") boolean allowPrivateNetworks,
        @DefaultValue("10s") Duration connectTimeout,
        @DefaultValue("120s") Duration readTimeout,
        @DefaultValue("67108864") long maxBytes,
        @DefaultValue("5") int maxRedirects) {

    /** Default connect timeout: 10 s. */
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(10);
    /** Default read timeout: 120 s. */
    public static final Duration DEFAULT_READ_TIMEOUT = Duration.ofSeconds(120);
    /** Default maximum image size: 64 MiB, in bytes. */
    public static final long DEFAULT_MAX_BYTES = 64L * 1024 * 1024;
    /** Default maximum number of redirects: 5. */
    public static final int DEFAULT_MAX_REDIRECTS = 5;

    /**
     * Applies defaults to null durations and checks ranges.
     *
     * @param allowPrivateNetworks see {@link #allowPrivateNetworks()}
     * @param connectTimeout       see {@link #connectTimeout()}; null means the default, 10 s
     * @param readTimeout          see {@link #readTimeout()}; null means the default, 120 s
     * @param maxBytes             see {@link #maxBytes()}, in bytes
     * @param maxRedirects         see {@link #maxRedirects()}
     * @throws IllegalArgumentException when a timeout is zero or negative, {@code maxBytes} is not positive or
     *                                  {@code maxRedirects} is negative
     */
    public DownloadSettings {
        connectTimeout = connectTimeout == null ? DEFAULT_CONNECT_TIMEOUT : connectTimeout;
        readTimeout = readTimeout == null ? DEFAULT_READ_TIMEOUT : readTimeout;
        if (connectTimeout.isNegative() || connectTimeout.isZero()) {
            throw new IllegalArgumentException("imagebatch.download.connect-timeout must be positive");
        }
        if (readTimeout.isNegative() || readTimeout.isZero()) {
            throw new IllegalArgumentException("imagebatch.download.read-timeout must be positive");
        }
        if (maxBytes <= 0) {
            throw new IllegalArgumentException("imagebatch.download.max-bytes must be positive, got " + maxBytes);
        }
        if (maxRedirects < 0) {
            throw new IllegalArgumentException("imagebatch.download.max-redirects must not be negative");
        }
    }

    /**
     * The defaults: private networks refused, 10 s connect, 120 s read, 64 MiB, 5 redirects.
     *
     * @return default settings
     */
    public static DownloadSettings defaults() {
        return new DownloadSettings(false, DEFAULT_CONNECT_TIMEOUT, DEFAULT_READ_TIMEOUT, DEFAULT_MAX_BYTES,
                DEFAULT_MAX_REDIRECTS);
    }

    /**
     * A copy with {@link #allowPrivateNetworks()} changed.
     *
     * @param allow the new value
     * @return the changed copy
     */
    public DownloadSettings withAllowPrivateNetworks(boolean allow) {
        return new DownloadSettings(allow, connectTimeout, readTimeout, maxBytes, maxRedirects);
    }
}
