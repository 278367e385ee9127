package io.imagebatch.storage;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.net.InetAddress;
import java.net.ProxySelector;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The download step's worker: fetches a provider's result URL and streams it into an {@link OutputStore},
 * checking on the way that it is an image and recording its SHA-256, size and (for PNG) dimensions
 * ({@code ../shared/DESIGN.md}, "The job", download step). Thread-safe; one instance serves the whole step.
 *
 * <p>Rules, in order:
 * <ol>
 *   <li>Only {@code http} and {@code https} URLs without user info are fetched; anything else is refused.</li>
 *   <li>Unless {@link DownloadSettings#allowPrivateNetworks()}, every address the host resolves to is checked
 *       and the URL refused if any is in a special-purpose range of the IANA IPv4 or IPv6 registries
 *       (loopback, private, link-local, documentation, benchmarking, reserved, 6to4, Teredo, ...), directly or
 *       as an embedded IPv4 address, or multicast (see {@link AddressRules}). Limitation: the JDK client resolves
 *       the name again when it connects, so a DNS server that answers differently within that window
 *       (DNS rebinding) is not caught.</li>
 *   <li>Redirects (301, 302, 303, 307, 308) are followed here, not by the client: at most
 *       {@link DownloadSettings#maxRedirects()}, a relative {@code Location} resolved against the current URL,
 *       and every hop checked with rules 1 and 2.</li>
 *   <li>A status other than 2xx fails; 403, 404, 410, 429 and 5xx are {@linkplain DownloadException#retryable()
 *       retryable} (expired or flaky result storage), others are not.</li>
 *   <li>The first bytes must be PNG, JPEG or WEBP ({@link ImageFormat#sniff}); the key is
 *       {@code keyStem + "." + extension} and the content type follows the sniffed format, not the server's
 *       header. Width and height are read from a PNG's IHDR chunk; they are 0 for JPEG and WEBP, which are not
 *       parsed.</li>
 *   <li>The body is streamed into {@link OutputStore#put} (never held in memory, no temporary file for S3),
 *       with the server's Content-Length when it sent one. More than {@link DownloadSettings#maxBytes()} bytes,
 *       a body that ends before its Content-Length, or a read that waits longer than
 *       {@link DownloadSettings#readTimeout()} fails the put, and nothing is stored under the key.</li>
 * </ol>
 * Messages name a URL by scheme, host, port and path only: never its query (signed URLs carry secrets there).
 */
public final class ImageDownloader {

    private static final Logger log = LoggerFactory.getLogger(ImageDownloader.class);

    /** Resolves a host name to all of its addresses; replaceable in tests. */
    @FunctionalInterface
    interface HostResolver {
        InetAddress[] resolve(String host) throws UnknownHostException;
    }

    private final DownloadSettings settings;
    private final HostResolver resolver;
    private final HttpClient client;

    /**
     * Creates a downloader with its own JDK {@link HttpClient} (redirects off, connect timeout from the settings,
     * the JVM's default proxy selector).
     *
     * @param settings limits and the private-network switch
     */
    public ImageDownloader(DownloadSettings settings) {
        this(settings, InetAddress::getAllByName, ProxySelector.getDefault());
    }

    /**
     * For tests: a custom resolver (fake public host names) and proxy (a loopback server standing in for them).
     *
     * @param settings limits and the private-network switch
     * @param resolver how host names are resolved for the address check
     * @param proxy    proxy selector for the HTTP client, or null for direct connections
     */
    ImageDownloader(DownloadSettings settings, HostResolver resolver, ProxySelector proxy) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.resolver = Objects.requireNonNull(resolver, "resolver");
        HttpClient.Builder builder = HttpClient.newBuilder()
                .followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(settings.connectTimeout());
        if (proxy != null) {
            builder.proxy(proxy);
        }
        this.client = builder.build();
    }

    /**
     * Downloads {@code source} into {@code store} under {@code keyStem + "." + extension}.
     *
     * @param source  the result URL ({@code http} or {@code https}); may carry a signed query string
     * @param store   where to store the image
     * @param keyStem the key without extension, relative to the store's prefix, for example
     *                {@code batch-7/row-42}
     * @return what was stored: URI, key, SHA-256 (lower-case hex), size in bytes, content type, PNG width and
     *         height (0 for JPEG/WEBP)
     * @throws DownloadException        when the URL is refused, the server answers with a non-2xx status, the body
     *                                  is not an image, is too large, is cut short, or the connection fails or
     *                                  times out; nothing is stored under the key in every case. See
     *                                  {@link DownloadException#retryable()}
     * @throws OutputStoreException     when the body was fine but the store failed to store it
     * @throws IllegalArgumentException when {@code keyStem} is not a valid relative key
     */
    public StoredImage download(URI source, OutputStore store, String keyStem) {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(store, "store");
        ObjectKeys.check(keyStem + ".png");
        URI current = source;
        for (int redirects = 0; ; redirects++) {
            checkUrl(current);
            HttpResponse<InputStream> response = send(current);
            int status = response.statusCode();
            if (isRedirect(status)) {
                String location = response.headers().firstValue("location").orElse(null);
                closeQuietly(response.body());
                if (location == null || location.isBlank()) {
                    throw new DownloadException("redirect " + status + " without a Location header from "
                            + describe(current), status, false);
                }
                if (redirects >= settings.maxRedirects()) {
                    throw new DownloadException("more than " + settings.maxRedirects() + " redirects starting at "
                            + describe(source), status, false);
                }
                URI next = resolveLocation(current, location, status);
                log.debug("{} redirects ({}) to {}", describe(current), status, describe(next));
                current = next;
                continue;
            }
            if (status < 200 || status > 299) {
                closeQuietly(response.body());
                throw new DownloadException("HTTP " + status + " from " + describe(current), status,
                        isRetryableStatus(status));
            }
            try {
                return store(current, response, store, keyStem);
            } finally {
                closeQuietly(response.body());
            }
        }
    }

    /**
     * Whether an HTTP status means the same URL may work later.
     *
     * @param status an HTTP status code
     * @return true for 403, 404, 410, 429 and 500..599
     */
    static boolean isRetryableStatus(int status) {
        return status == 403 || status == 404 || status == 410 || status == 429 || (status >= 500 && status <= 599);
    }

    private static boolean isRedirect(int status) {
        return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
    }

    private StoredImage store(URI url, HttpResponse<InputStream> response, OutputStore store, String keyStem) {
        long declared = response.headers().firstValueAsLong("content-length").orElse(-1L);
        if (declared > settings.maxBytes()) {
            throw new DownloadException("image at " + describe(url) + " is " + declared + " bytes, more than the"
                    + " limit of " + settings.maxBytes() + " bytes (imagebatch.download.max-bytes)", 0, false);
        }
        MeasuringInputStream body = new MeasuringInputStream(
                new ReadTimeoutInputStream(response.body(), settings.readTimeout()), settings.maxBytes(), declared);
        byte[] head;
        try {
            head = body.readNBytes(ImageFormat.HEAD_BYTES);
        } catch (IOException e) {
            throw bodyFailure(url, body, declared, e);
        }
        Optional<ImageFormat> sniffed = ImageFormat.sniff(head, head.length);
        if (sniffed.isEmpty()) {
            String type = response.headers().firstValue("content-type").orElse("none");
            throw new DownloadException("not an image: " + describe(url) + " (Content-Type " + sanitize(type)
                    + ", first bytes are not PNG, JPEG or WEBP)", 0, true); // a CDN error page: may pass
        }
        ImageFormat format = sniffed.get();
        int width = 0;
        int height = 0;
        if (format == ImageFormat.PNG) {
            int[] size = ImageFormat.pngSize(head, head.length).orElseThrow(() -> new DownloadException(
                    "not an image: " + describe(url) + " (PNG signature without a valid IHDR chunk)", 0, true));
            width = size[0];
            height = size[1];
        }
        String key = keyStem + "." + format.extension();
        InputStream content = new SequenceInputStream(new ByteArrayInputStream(head), body);
        URI stored;
        try {
            stored = store.put(key, content, declared, format.contentType());
        } catch (OutputStoreException e) {
            if (body.failure() != null) {
                throw bodyFailure(url, body, declared, body.failure());
            }
            throw e;
        }
        StoredImage image = new StoredImage(stored, key, body.sha256Hex(), body.count(), format.contentType(),
                width, height);
        log.debug("downloaded {} to {} ({} bytes)", describe(url), stored, image.bytes());
        return image;
    }

    private DownloadException bodyFailure(URI url, MeasuringInputStream body, long declared, IOException e) {
        MeasuringInputStream.Failure kind = body.failureKind() == null ? MeasuringInputStream.Failure.IO
                : body.failureKind();
        String what = switch (kind) {
            case TOO_LARGE -> "image too large";
            case CUT_SHORT -> "body cut short";
            case IO -> e instanceof HttpTimeoutException ? "read timed out after " + body.count() + " bytes"
                    : declared >= 0 && body.count() < declared
                    ? "body cut short after " + body.count() + " of " + declared + " bytes"
                    : "body could not be read";
        };
        return new DownloadException(what + " from " + describe(url) + ": " + FileOutputStore.describe(e), 0,
                kind != MeasuringInputStream.Failure.TOO_LARGE, e);
    }

    private HttpResponse<InputStream> send(URI url) {
        HttpRequest request;
        try {
            request = HttpRequest.newBuilder(url)
                    .GET()
                    .timeout(settings.readTimeout())
                    .header("Accept", "image/png,image/jpeg,image/webp;q=0.9,*/*;q=0.1")
                    .header("User-Agent", "ImageBatch")
                    .build();
        } catch (IllegalArgumentException e) {
            throw new DownloadException("refused " + describe(url) + ": not a valid HTTP URL", 0, false);
        }
        try {
            return client.send(request, HttpResponse.BodyHandlers.ofInputStream());
        } catch (HttpTimeoutException e) {
            throw new DownloadException("timed out fetching " + describe(url) + ": " + FileOutputStore.describe(e),
                    0, true, e);
        } catch (IOException e) {
            throw new DownloadException("could not fetch " + describe(url) + ": " + FileOutputStore.describe(e), 0,
                    true, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DownloadException("interrupted while fetching " + describe(url), 0, true, e);
        }
    }

    private void checkUrl(URI url) {
        String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            throw new DownloadException("refused " + (scheme.isEmpty() ? "a relative URL" : "a " + sanitize(scheme)
                    + ": URL") + ": only http and https URLs are downloaded", 0, false);
        }
        if (url.getRawUserInfo() != null) {
            throw new DownloadException("refused " + describe(url) + ": URLs with user info are not downloaded",
                    0, false);
        }
        String host = url.getHost();
        if (host == null || host.isEmpty()) {
            throw new DownloadException("refused " + describe(url) + ": the URL has no host", 0, false);
        }
        if (settings.allowPrivateNetworks()) {
            return;
        }
        InetAddress[] addresses;
        try {
            addresses = resolver.resolve(host);
        } catch (UnknownHostException e) {
            throw new DownloadException("cannot resolve the host of " + describe(url), 0, true, e);
        }
        for (InetAddress address : addresses) {
            Optional<AddressRules.Range> refused = AddressRules.refusedBy(address);
            if (refused.isPresent()) {
                throw new DownloadException("refused " + describe(url) + ": its host resolves to the non-public"
                        + " address " + address.getHostAddress() + " (" + refused.get().cidr() + ", "
                        + refused.get().name() + ", " + refused.get().source() + ");"
                        + " set imagebatch.download.allow-private-networks=true to allow", 0, false);
            }
        }
    }

    private static URI resolveLocation(URI current, String location, int status) {
        try {
            URI resolved = current.resolve(new URI(location.strip()));
            return resolved.getRawFragment() == null ? resolved
                    : new URI(resolved.getScheme(), resolved.getRawSchemeSpecificPart(), null);
        } catch (URISyntaxException | IllegalArgumentException e) {
            throw new DownloadException("redirect " + status + " from " + describe(current)
                    + " has an invalid Location header", status, false);
        }
    }

    /**
     * A URL as it may appear in logs and messages: scheme, host, port and path; no user info, query or fragment.
     *
     * @param url any URI
     * @return for {@code https://bucket.example/a/b.png?X-Amz-Signature=...}: {@code https://bucket.example/a/b.png}
     */
    public static String describe(URI url) {
        if (url == null) {
            return "(no URL)";
        }
        if (url.getHost() == null) {
            return url.getScheme() == null ? "(relative URL)" : sanitize(url.getScheme()) + ":(opaque)";
        }
        StringBuilder sb = new StringBuilder();
        sb.append(url.getScheme()).append("://");
        String host = url.getHost();
        sb.append(host);
        if (url.getPort() >= 0) {
            sb.append(':').append(url.getPort());
        }
        String path = url.getRawPath();
        sb.append(path == null || path.isEmpty() ? "/" : path);
        return sanitize(sb.toString());
    }

    private static String sanitize(String text) {
        StringBuilder sb = new StringBuilder(Math.min(text.length(), 200));
        for (int i = 0; i < text.length() && i < 200; i++) {
            char c = text.charAt(i);
            sb.append(c < 0x20 || c == 0x7f ? '?' : c);
        }
        return text.length() > 200 ? sb.append("...").toString() : sb.toString();
    }

    private static void closeQuietly(InputStream in) {
        try {
            in.close();
        } catch (IOException e) {
            // nothing to add
        }
    }
}
