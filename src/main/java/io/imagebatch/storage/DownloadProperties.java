package io.imagebatch.storage;

import java.nio.file.Path;
import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.ConstructorBinding;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The configuration of the download step's {@link ImageDownloader}, bound from {@code imagebatch.download.*}
 * (environment variables {@code IMAGEBATCH_DOWNLOAD_ALLOWPRIVATENETWORKS}, {@code ..._CONNECTTIMEOUT},
 * {@code ..._READTIMEOUT}, {@code ..._MAXBYTES}, {@code ..._MAXREDIRECTS}, {@code ..._TIMEOUT},
 * {@code ..._MINRATE}, {@code ..._MINRATEWINDOW}, {@code ..._MAXPIXELS}, {@code ..._SPOOLDIR}). Durations take Spring's forms
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
 * @param timeout              overall deadline of one fetch: connect, response headers and the whole body, from
 *                             the first request to the last byte (redirects included); default 5 minutes
 *                             ({@code imagebatch.download.timeout}). The download step also ends a fetch at its
 *                             task's deadline ({@code imagebatch.job.task-deadline}) when that comes first
 * @param minRate              slowest accepted transfer, in bytes per second averaged over {@code minRateWindow};
 *                             a body arriving slower fails like a cut one; default 8192 (8 KiB/s); 0 turns the
 *                             check off ({@code imagebatch.download.min-rate})
 * @param minRateWindow        the window {@code minRate} is averaged over; default 30 s
 *                             ({@code imagebatch.download.min-rate-window})
 * @param maxPixels            largest image accepted, in pixels (width times height as the image's header
 *                             declares them, read before anything is stored); default 100,000,000 (100
 *                             megapixels), the decompression-bomb guard ({@code imagebatch.download.max-pixels})
 * @param spoolDir             the folder where an image is spooled (at most {@code maxBytes} bytes per download in
 *                             flight) while it is checked and stored; null (default) means {@code java.io.tmpdir}
 *                             ({@code imagebatch.download.spool-dir})
 */
@ConfigurationProperties("imagebatch.download")
public record DownloadProperties(
        @DefaultValue("false") boolean allowPrivateNetworks,
        @DefaultValue("10s") Duration connectTimeout,
        @DefaultValue("120s") Duration readTimeout,
        @DefaultValue("67108864") long maxBytes,
        @DefaultValue("5") int maxRedirects,
        @DefaultValue("5m") Duration timeout,
        @DefaultValue("8192") long minRate,
        @DefaultValue("30s") Duration minRateWindow,
        @DefaultValue("100000000") long maxPixels,
        Path spoolDir) {

    /** Default connect timeout: 10 s. */
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(10);
    /** Default read timeout: 120 s. */
    public static final Duration DEFAULT_READ_TIMEOUT = Duration.ofSeconds(120);
    /** Default maximum image size: 64 MiB, in bytes. */
    public static final long DEFAULT_MAX_BYTES = 64L * 1024 * 1024;
    /** Default maximum number of redirects: 5. */
    public static final int DEFAULT_MAX_REDIRECTS = 5;
    /** Default overall deadline of one fetch: 5 minutes. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(5);
    /** Default slowest accepted transfer: 8192 bytes per second. */
    public static final long DEFAULT_MIN_RATE = 8192;
    /** Default window the transfer rate is averaged over: 30 s. */
    public static final Duration DEFAULT_MIN_RATE_WINDOW = Duration.ofSeconds(30);
    /** Default largest image: 100,000,000 pixels (100 megapixels). */
    public static final long DEFAULT_MAX_PIXELS = 100_000_000L;

    /**
     * Applies defaults to null durations and checks ranges.
     *
     * @param allowPrivateNetworks see {@link #allowPrivateNetworks()}
     * @param connectTimeout       see {@link #connectTimeout()}; null means the default, 10 s
     * @param readTimeout          see {@link #readTimeout()}; null means the default, 120 s
     * @param maxBytes             see {@link #maxBytes()}, in bytes
     * @param maxRedirects         see {@link #maxRedirects()}
     * @param timeout              see {@link #timeout()}; null means the default, 5 minutes
     * @param minRate              see {@link #minRate()}, bytes per second; 0 turns the check off
     * @param minRateWindow        see {@link #minRateWindow()}; null means the default, 30 s
     * @param maxPixels            see {@link #maxPixels()}, pixels
     * @param spoolDir             see {@link #spoolDir()}; null means {@code java.io.tmpdir}
     * @throws IllegalArgumentException when a timeout or the window is zero or negative, {@code maxBytes} or
     *                                  {@code maxPixels} is not positive, {@code minRate} or {@code maxRedirects}
     *                                  is negative
     */
    @ConstructorBinding
    public DownloadProperties {
        connectTimeout = connectTimeout == null ? DEFAULT_CONNECT_TIMEOUT : connectTimeout;
        readTimeout = readTimeout == null ? DEFAULT_READ_TIMEOUT : readTimeout;
        timeout = timeout == null ? DEFAULT_TIMEOUT : timeout;
        minRateWindow = minRateWindow == null ? DEFAULT_MIN_RATE_WINDOW : minRateWindow;
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("imagebatch.download.timeout must be positive");
        }
        if (minRateWindow.isNegative() || minRateWindow.isZero()) {
            throw new IllegalArgumentException("imagebatch.download.min-rate-window must be positive");
        }
        if (minRate < 0) {
            throw new IllegalArgumentException("imagebatch.download.min-rate must not be negative, got " + minRate);
        }
        if (maxPixels <= 0) {
            throw new IllegalArgumentException("imagebatch.download.max-pixels must be positive, got " + maxPixels);
        }
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
     * The first five settings; the others take their defaults (5 minutes overall, 8 KiB/s over 30 s, 100
     * megapixels, spooled in {@code java.io.tmpdir}).
     *
     * @param allowPrivateNetworks see {@link #allowPrivateNetworks()}
     * @param connectTimeout       see {@link #connectTimeout()}; null means the default, 10 s
     * @param readTimeout          see {@link #readTimeout()}; null means the default, 120 s
     * @param maxBytes             see {@link #maxBytes()}, in bytes
     * @param maxRedirects         see {@link #maxRedirects()}
     * @throws IllegalArgumentException as the canonical constructor
     */
    public DownloadProperties(boolean allowPrivateNetworks, Duration connectTimeout, Duration readTimeout,
            long maxBytes, int maxRedirects) {
        this(allowPrivateNetworks, connectTimeout, readTimeout, maxBytes, maxRedirects, DEFAULT_TIMEOUT,
                DEFAULT_MIN_RATE, DEFAULT_MIN_RATE_WINDOW, DEFAULT_MAX_PIXELS, null);
    }

    /**
     * The defaults: private networks refused, 10 s connect, 120 s read, 64 MiB, 5 redirects, 5 minutes overall,
     * 8 KiB/s over 30 s, 100 megapixels, spooled in {@code java.io.tmpdir}.
     *
     * @return default settings
     */
    public static DownloadProperties defaults() {
        return new DownloadProperties(false, DEFAULT_CONNECT_TIMEOUT, DEFAULT_READ_TIMEOUT, DEFAULT_MAX_BYTES,
                DEFAULT_MAX_REDIRECTS);
    }

    /**
     * A copy with the transfer limits changed.
     *
     * @param timeout       overall deadline of one fetch, see {@link #timeout()}
     * @param minRate       slowest accepted transfer, bytes per second; 0 turns the check off
     * @param minRateWindow window the rate is averaged over
     * @return the changed copy
     * @throws IllegalArgumentException as the canonical constructor
     */
    public DownloadProperties withTransferLimits(Duration timeout, long minRate, Duration minRateWindow) {
        return new DownloadProperties(allowPrivateNetworks, connectTimeout, readTimeout, maxBytes, maxRedirects,
                timeout, minRate, minRateWindow, maxPixels, spoolDir);
    }

    /**
     * A copy with {@link #maxPixels()} changed.
     *
     * @param pixels the largest image accepted, width times height
     * @return the changed copy
     * @throws IllegalArgumentException when {@code pixels} is not positive
     */
    public DownloadProperties withMaxPixels(long pixels) {
        return new DownloadProperties(allowPrivateNetworks, connectTimeout, readTimeout, maxBytes, maxRedirects,
                timeout, minRate, minRateWindow, pixels, spoolDir);
    }

    /**
     * A copy with {@link #spoolDir()} changed.
     *
     * @param dir the spool folder, or null for {@code java.io.tmpdir}
     * @return the changed copy
     */
    public DownloadProperties withSpoolDir(Path dir) {
        return new DownloadProperties(allowPrivateNetworks, connectTimeout, readTimeout, maxBytes, maxRedirects,
                timeout, minRate, minRateWindow, maxPixels, dir);
    }

    /**
     * A copy with {@link #allowPrivateNetworks()} changed.
     *
     * @param allow the new value
     * @return the changed copy
     */
    public DownloadProperties withAllowPrivateNetworks(boolean allow) {
        return new DownloadProperties(allow, connectTimeout, readTimeout, maxBytes, maxRedirects, timeout, minRate,
                minRateWindow, maxPixels, spoolDir);
    }
}
