package io.imagebatch.storage;

import io.imagebatch.http.HttpClients;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ProxySelector;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Objects;
import java.util.Optional;
import io.imagebatch.label.ImageLabel;
import io.imagebatch.label.MetadataLevel;
import io.imagebatch.label.ImageLabeller;
import io.imagebatch.label.PngXmpInserter;
import io.imagebatch.label.UnlabellableImageException;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The download step's worker: fetches a provider's result URL and streams it into an {@link OutputStore},
 * checking on the way that it is an image and recording its SHA-256, size and (for PNG) dimensions
 * ({@code docs/design.md}, "The job", download step). Thread-safe; one instance serves the whole step.
 *
 * <p>Rules, in order:
 * <ol>
 *   <li>Only {@code http} and {@code https} URLs without user info are fetched; anything else is refused.</li>
 *   <li>Unless {@link DownloadProperties#allowPrivateNetworks()}, every address the host resolves to is checked
 *       and the URL refused if any is in a special-purpose range of the IANA IPv4 or IPv6 registries
 *       (loopback, private, link-local, documentation, benchmarking, reserved, 6to4, Teredo, ...), directly or
 *       as an embedded IPv4 address, or multicast (see {@link AddressRules}). Limitation: the JDK client resolves
 *       the name again when it connects, so a DNS server that answers differently within that window
 *       (DNS rebinding) is not caught.</li>
 *   <li>Redirects (301, 302, 303, 307, 308) are followed here, not by the client: at most
 *       {@link DownloadProperties#maxRedirects()}, a relative {@code Location} resolved against the current URL,
 *       and every hop checked with rules 1 and 2.</li>
 *   <li>A status other than 2xx fails; 403, 404, 410, 429 and 5xx are {@linkplain DownloadException#retryable()
 *       retryable} (expired or flaky result storage), others are not.</li>
 *   <li>The first bytes must be PNG, JPEG or WEBP ({@link ImageFormat#sniff}); the key is
 *       {@code keyStem + "." + extension} and the content type follows the sniffed format, not the server's
 *       header.</li>
 *   <li>The body is spooled to a local file (never held in memory) in {@link DownloadProperties#spoolDir()}, at
 *       most {@link DownloadProperties#maxBytes()} bytes, with the SHA-256 of the bytes to be stored computed on
 *       the way (one pass: README.md, "Performance", "Big images"). The fetch is bounded
 *       in time three ways ({@link ReadTimeoutInputStream}): each read ({@link DownloadProperties#readTimeout()}),
 *       the whole fetch from the first request to the last byte ({@link DownloadProperties#timeout()}, or the
 *       caller's shorter limit: the task's deadline), and a minimum transfer rate
 *       ({@link DownloadProperties#minRate()} over {@link DownloadProperties#minRateWindow()}). A body too large, cut
 *       short before its Content-Length, too slow or past its deadline fails the download.</li>
 *   <li>The image is checked before anything is stored ({@link ImageCheck}): its structure must be that of
 *       the sniffed format, and the width and height its header declares (read without decoding a pixel) must
 *       be within {@link DownloadProperties#maxPixels()}, the decompression-bomb guard. A PNG is checked as it
 *       arrives ({@link ImageCheck.PngStream}, on the bytes as fetched) and, when a label is asked for, labelled
 *       in the same pass ({@link PngXmpInserter}): its spool file is the labelled image, and nothing reads it
 *       again before it is stored. The step's thread only reads the network; a second thread, fed through
 *       eight buffers of 64 KiB ({@link BufferPipeline}), checks, labels, hashes and writes
 *       what was read, and a PNG found invalid mid-body ends the fetch at once. A JPEG or WebP is checked from
 *       its spool file, then labelled into a second one.</li>
 *   <li>Only then is it stored, from the spool, handed over ({@link OutputStore#putSpooled}: a folder on the
 *       spool's file system links it into place). Why a spool rather than fetching the image again when a store
 *       write fails: a replay is the very bytes that were hashed and checked, it does not depend on a result URL
 *       that may have expired meanwhile or on the provider's storage a second time, and it lets the S3 store
 *       retry its writes (5xx, SlowDown, resets) with the SDK's backoff and jitter, which a one-shot stream
 *       cannot. It costs local disk: one image per download in flight, at most
 *       {@link DownloadProperties#maxBytes()} bytes each. The spool file is deleted when the download ends, and
 *       by a shutdown hook when the process is stopped mid-download ({@link Transfers}), which also aborts the
 *       fetches in flight so that SIGTERM is not held up by a slow server.</li>
 * </ol>
 * Messages name a URL by scheme, host, port and path only: never its query (signed URLs carry secrets there).
 */
public final class ImageDownloader {

    private static final Logger log = LoggerFactory.getLogger(ImageDownloader.class);
    /** The buffer a body is read into and the spool file written through, bytes. */
    private static final int SPOOL_BUFFER = 64 * 1024;

    /** Buffers of {@link #SPOOL_BUFFER} bytes between the thread that reads a body and the one that spools it. */
    private static final int PIPELINE_BUFFERS = 8;

    /** A PNG's check failed while it was spooled: the rest of the body is not worth reading. */
    private static final class RefusedWhileSpooling extends IOException {
        private static final long serialVersionUID = 1L;

        RefusedWhileSpooling() {
            super("refused while spooling", null);
        }
    }

    private final DownloadProperties settings;
    private final DownloadUrls urls;
    private final HttpClient client;
    private final java.util.concurrent.atomic.AtomicBoolean spoolCleaned =
            new java.util.concurrent.atomic.AtomicBoolean();

    /**
     * Creates a downloader with its own JDK {@link HttpClient} (redirects off, connect timeout from the settings,
     * the JVM's default proxy selector).
     *
     * @param settings limits and the private-network switch
     */
    public ImageDownloader(DownloadProperties settings) {
        this(settings, InetAddress::getAllByName, ProxySelector.getDefault());
    }

    /**
     * For tests: a custom resolver (fake public host names) and proxy (a loopback server standing in for them).
     *
     * @param settings limits and the private-network switch
     * @param resolver how host names are resolved for the address check
     * @param proxy    proxy selector for the HTTP client, or null for direct connections
     */
    ImageDownloader(DownloadProperties settings, DownloadUrls.HostResolver resolver, ProxySelector proxy) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.urls = new DownloadUrls(settings.allowPrivateNetworks(), Objects.requireNonNull(resolver, "resolver"));
        this.client = HttpClients.create(settings.connectTimeout(), proxy);
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
        return download(source, store, keyStem, null);
    }

    /**
     * Downloads {@code source} into {@code store} under {@code keyStem + "." + extension}, all within
     * {@code limit} (when given and shorter than {@link DownloadProperties#timeout()}).
     *
     * @param source  the result URL ({@code http} or {@code https}); may carry a signed query string
     * @param store   where to store the image
     * @param keyStem the key without extension, relative to the store's prefix, for example
     *                {@code batch-7/row-42}
     * @param limit   the longest the whole fetch may take, from now (the time left until the task's deadline),
     *                or null for {@link DownloadProperties#timeout()} alone; zero or negative fails at once
     * @return what was stored: URI, key, SHA-256 (lower-case hex), size in bytes, content type, width and height
     *         as the image's header declares them
     * @throws DownloadException        when the URL is refused, the server answers with a non-2xx status, the body
     *                                  is not an image of a valid structure, declares more pixels than the limit,
     *                                  is too large, is cut short, too slow or past its deadline, or the process
     *                                  is stopping ({@link DownloadException#aborted()}); nothing is stored under
     *                                  the key in every case. See {@link DownloadException#retryable()}
     * @throws OutputStoreException     when the image was fine but the store failed to store it (after the
     *                                  store's own retries)
     * @throws IllegalArgumentException when {@code keyStem} is not a valid relative key
     */
    public StoredImage download(URI source, OutputStore store, String keyStem, Duration limit) {
        return download(source, store, keyStem, limit, null);
    }

    /**
     * Downloads {@code source} into {@code store} as {@link #download(URI, OutputStore, String, Duration)} does,
     * and stores it labelled as AI-generated (README.md, "Labelled as AI-generated"): the image check
     * ({@link ImageCheck}) judges the bytes as fetched, and what is stored carries {@code label}'s XMP packet (no
     * pixel is re-encoded). A PNG is labelled while it is spooled ({@link PngXmpInserter}); a JPEG or WebP, once
     * checked, is copied from the spool into a second local file with the packet written in
     * ({@link ImageLabeller}), and that copy is stored. Either way the labelled bytes are hashed as they are
     * written, and the returned SHA-256 and size are those of the stored (labelled) bytes. An image whose structure cannot take the XMP is stored as fetched, with the reason
     * in {@link StoredImage#unlabelled()} and a warning logged: never failed for it.
     *
     * @param source  the result URL ({@code http} or {@code https}); may carry a signed query string
     * @param store   where to store the image
     * @param keyStem the key without extension, relative to the store's prefix
     * @param limit   the longest the whole fetch may take, from now, or null for the download timeout alone
     * @param label   what the stored image says about itself, or null to store the bytes as fetched
     * @return what was stored (SHA-256 and bytes of the stored object)
     * @throws DownloadException        as {@link #download(URI, OutputStore, String, Duration)}
     * @throws OutputStoreException     when the image was fine but the store (or the local disk, for the
     *                                  labelled copy) failed to take it
     * @throws IllegalArgumentException when {@code keyStem} is not a valid relative key
     */
    public StoredImage download(URI source, OutputStore store, String keyStem, Duration limit, ImageLabel label) {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(store, "store");
        ObjectKeys.check(keyStem + ".png");
        Duration allowed = limit != null && limit.compareTo(settings.timeout()) < 0 ? limit : settings.timeout();
        if (allowed.isNegative() || allowed.isZero()) {
            throw new DownloadException("the download of " + describe(source) + " was not started: its task's"
                    + " deadline has passed", 0, true);
        }
        long deadline = System.nanoTime() + allowed.toNanos();
        try (Transfers.Transfer transfer = openTransfer(source)) {
            return download(source, store, keyStem, new Deadline(deadline, allowed), transfer, label);
        }
    }

    private static Transfers.Transfer openTransfer(URI source) {
        try {
            return Transfers.open();
        } catch (IOException e) {
            throw DownloadException.aborted("the download of " + describe(source) + " was not started: "
                    + e.getMessage(), e);
        }
    }

    /** When a fetch must be complete ({@link System#nanoTime()}) and how long it was allowed in all. */
    private record Deadline(long nanos, Duration allowed) {
    }

    private StoredImage download(URI source, OutputStore store, String keyStem, Deadline deadline,
            Transfers.Transfer transfer, ImageLabel label) {
        URI current = source;
        for (int redirects = 0; ; redirects++) {
            urls.check(current);
            HttpResponse<InputStream> response = send(current, deadline, transfer);
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
                URI next = DownloadUrls.resolveLocation(current, location, status);
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
                return store(current, response, store, keyStem, deadline, transfer, label);
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

    private StoredImage store(URI url, HttpResponse<InputStream> response, OutputStore store, String keyStem,
            Deadline deadline, Transfers.Transfer transfer, ImageLabel label) {
        long declared = response.headers().firstValueAsLong("content-length").orElse(-1L);
        if (declared > settings.maxBytes()) {
            throw new DownloadException("image at " + describe(url) + " is " + declared + " bytes, more than the"
                    + " limit of " + settings.maxBytes() + " bytes (imagebatch.download.max-bytes)", 0, false);
        }
        ReadTimeoutInputStream limited = new ReadTimeoutInputStream(response.body(), settings.readTimeout(),
                deadline.nanos(), deadline.allowed(), settings.minRate(), settings.minRateWindow());
        MeasuringInputStream body = MeasuringInputStream.unhashedDownload(limited, settings.maxBytes(), declared);
        Path spool = null;
        Path labelled = null;
        try {
            transfer.stream(limited);
            byte[] head;
            try {
                head = body.readNBytes(ImageFormat.HEAD_BYTES);
            } catch (IOException e) {
                throw bodyFailure(url, body, declared, e, transfer);
            }
            Optional<ImageFormat> sniffed = ImageFormat.sniff(head, head.length);
            if (sniffed.isEmpty()) {
                String type = response.headers().firstValue("content-type").orElse("none");
                throw new DownloadException("not an image: " + describe(url) + " (Content-Type " + DownloadUrls.sanitize(type)
                        + ", first bytes are not PNG, JPEG or WEBP)", 0, true); // a CDN error page: may pass
            }
            ImageFormat format = sniffed.get();
            // one pass over a PNG: checked, labelled and hashed as it arrives (README, "Performance")
            ImageCheck.PngStream pngCheck = format == ImageFormat.PNG
                    ? new ImageCheck.PngStream(settings.maxPixels()) : null;
            boolean labelWhileSpooling = pngCheck != null && label != null;
            boolean hashWhileSpooling = label == null || labelWhileSpooling;
            MessageDigest spoolSha256 = sha256();
            UnlabellableImageException labelProblem = null;
            spool = spoolFile(transfer);
            try (OutputStream file = Files.newOutputStream(spool, StandardOpenOption.WRITE)) {
                // a buffer no larger than the body: a small image's download allocates a few KiB, not 64
                OutputStream out = new java.io.BufferedOutputStream(file, declared < 0 ? SPOOL_BUFFER
                        : (int) Math.min(SPOOL_BUFFER, Math.max(8 * 1024, declared + 1)));
                if (hashWhileSpooling) {
                    out = new DigestOutputStream(out, spoolSha256);
                }
                PngXmpInserter labelling = labelWhileSpooling ? new PngXmpInserter(out, label.xmp()) : null;
                if (labelling != null) {
                    out = labelling;
                }
                OutputStream spooled = out;
                // this thread reads the network while a second one checks, labels, hashes and writes (README,
                // "Performance", "Big images"); a PNG refused mid-body ends the fetch at once
                BufferPipeline.pump(head, body, limited, (b, off, len) -> {
                    if (pngCheck != null) {
                        pngCheck.update(b, off, len);
                        if (pngCheck.refused()) {
                            throw new RefusedWhileSpooling();
                        }
                    }
                    spooled.write(b, off, len);
                }, PIPELINE_BUFFERS, SPOOL_BUFFER, declared);
                if (labelling != null) {
                    try {
                        labelling.finish();
                    } catch (UnlabellableImageException e) {
                        labelProblem = e; // reported after the check, whose message says more
                    }
                }
                out.flush();
            } catch (BufferPipeline.SinkFailure e) {
                if (!(e.getCause() instanceof RefusedWhileSpooling)) {
                    Throwable cause = e.getCause();
                    throw abortedOr(transfer, url, new OutputStoreException("could not spool the image from "
                            + describe(url) + " to " + spool + ": " + FileOutputStore.describe(cause), cause));
                } // else the check below says why
            } catch (IOException e) {
                if (e instanceof java.io.InterruptedIOException && body.failure() == null && !transfer.aborted()) {
                    throw new DownloadException("interrupted while fetching " + describe(url), 0, true, e);
                }
                if (body.failure() != null || transfer.aborted()) {
                    throw bodyFailure(url, body, declared, body.failure() != null ? body.failure() : e, transfer);
                }
                throw new OutputStoreException("could not spool the image from " + describe(url) + " to " + spool
                        + ": " + FileOutputStore.describe(e), e);
            } finally {
                closeQuietly(limited);
            }
            ImageCheck.Size size;
            try {
                size = pngCheck != null ? pngCheck.finish() : ImageCheck.inspect(spool, format, settings.maxPixels());
                if (labelProblem != null) {
                    throw new ImageCheck.Refused(labelProblem.getMessage(), true);
                }
            } catch (ImageCheck.Refused e) {
                throw new DownloadException("refused the image from " + describe(url) + ": " + e.getMessage(), 0,
                        e.retryable());
            } catch (IOException e) {
                throw abortedOr(transfer, url, new OutputStoreException("could not read back the spooled image "
                        + spool + ": " + FileOutputStore.describe(e), e));
            }
            String key = keyStem + "." + format.extension();
            Path upload = spool;
            String sha256 = hashWhileSpooling ? HexFormat.of().formatHex(spoolSha256.digest()) : null;
            long bytes = labelWhileSpooling ? Files.size(spool) : body.count();
            String unlabelled = null;
            if (label != null && !labelWhileSpooling) {
                labelled = spoolFile(transfer);
                try {
                    sha256 = labelOrMinimal(spool, label, labelled, url);
                    bytes = Files.size(labelled);
                    upload = labelled;
                } catch (UnlabellableImageException e) {
                    unlabelled = e.getMessage();
                    try {
                        sha256 = sha256Of(spool); // stored as fetched: rare, so hashed only now
                    } catch (IOException read) {
                        throw abortedOr(transfer, url, new OutputStoreException("could not read back the spooled"
                                + " image " + spool + ": " + FileOutputStore.describe(read), read));
                    }
                    log.warn("stored the image from {} without the AI-generated label: {}", describe(url),
                            e.getMessage());
                } catch (IOException e) {
                    throw abortedOr(transfer, url, new OutputStoreException("could not write the labelled copy "
                            + labelled + " of the image: " + FileOutputStore.describe(e), e));
                }
            }
            URI stored;
            try {
                stored = store.putSpooled(key, upload, format.contentType());
            } catch (OutputStoreException e) {
                throw abortedOr(transfer, url, e);
            }
            StoredImage image = new StoredImage(stored, key, sha256, bytes, format.contentType(),
                    size.width(), size.height(), unlabelled);
            log.debug("downloaded {} to {} ({} bytes)", describe(url), stored, image.bytes());
            return image;
        } catch (IOException e) {
            throw DownloadException.aborted("the download of " + describe(url) + " was aborted: " + e.getMessage(),
                    e);
        } finally {
            closeQuietly(limited);
            if (spool != null) {
                deleteQuietly(spool);
                transfer.release(spool);
            }
            if (labelled != null) {
                deleteQuietly(labelled);
                transfer.release(labelled);
            }
        }
    }

    /**
     * Labels as {@link #label} does; when the full label cannot be written (a JPEG's packet holds at most one APP1
     * segment, so a very long prompt does not fit), the minimal one is tried, so that the image still says it is
     * AI-generated (the part marketplaces read) without the prompt and model.
     */
    private static String labelOrMinimal(Path spool, ImageLabel label, Path target, URI url)
            throws UnlabellableImageException, IOException {
        try {
            return label(spool, label, target);
        } catch (UnlabellableImageException e) {
            if (label.level() == MetadataLevel.MINIMAL) {
                throw e;
            }
            String minimal = label(spool, new ImageLabel(label.rowId(), label.prompt(), label.model(),
                    MetadataLevel.MINIMAL), target);
            log.warn("labelled the image from {} without its prompt and model: {}", describe(url), e.getMessage());
            return minimal;
        }
    }

    private static String label(Path spool, ImageLabel label, Path target) throws UnlabellableImageException,
            IOException {
        MessageDigest sha256;
        try {
            sha256 = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JVM", e);
        }
        try (OutputStream out = new DigestOutputStream(new java.io.BufferedOutputStream(
                Files.newOutputStream(target, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING),
                64 * 1024), sha256)) {
            ImageLabeller.label(spool, label.xmp(), out);
        }
        return HexFormat.of().formatHex(sha256.digest());
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JVM", e);
        }
    }

    /** The SHA-256 of a spooled file, lower-case hex, read once more. */
    private static String sha256Of(Path file) throws IOException {
        MessageDigest digest = sha256();
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buffer = new byte[SPOOL_BUFFER];
            for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                digest.update(buffer, 0, n);
            }
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    private static RuntimeException abortedOr(Transfers.Transfer transfer, URI url, RuntimeException e) {
        return transfer.aborted() ? DownloadException.aborted("the download of " + describe(url)
                + " was aborted: the process is stopping", e) : e;
    }

    private Path spoolFile(Transfers.Transfer transfer) throws IOException {
        Path dir = settings.spoolDir() != null ? settings.spoolDir()
                : Path.of(System.getProperty("java.io.tmpdir"));
        Files.createDirectories(dir);
        if (spoolCleaned.compareAndSet(false, true)) {
            deleteAbandonedSpoolFiles(dir);
        }
        Path file = Files.createTempFile(dir, "imagebatch-", ".spool");
        transfer.file(file);
        return file;
    }

    /**
     * Deletes the spool files that a process killed without a chance to clean up (SIGKILL) left in {@code dir}:
     * {@code imagebatch-*.spool} files last written more than an hour plus the fetch timeout ago, which no live
     * download can still own (a fetch ends within the timeout, and its store write soon after). Once per
     * downloader; best effort.
     */
    private void deleteAbandonedSpoolFiles(Path dir) {
        long before = System.currentTimeMillis() - settings.timeout().toMillis() - 3_600_000L;
        try (var files = Files.newDirectoryStream(dir, "imagebatch-*.spool")) {
            for (Path file : files) {
                if (Files.getLastModifiedTime(file).toMillis() < before) {
                    log.info("deleting {}, a spool file left by a process that was killed", file);
                    deleteQuietly(file);
                }
            }
        } catch (IOException | RuntimeException e) {
            log.debug("could not look for abandoned spool files in {}: {}", dir, e.toString());
        }
    }

    private static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            log.warn("could not delete the spool file {}: {}", file, e.toString());
        }
    }

    private DownloadException bodyFailure(URI url, MeasuringInputStream body, long declared, IOException e,
            Transfers.Transfer transfer) {
        if (transfer.aborted()) {
            return DownloadException.aborted("the download of " + describe(url) + " was aborted after "
                    + body.count() + " bytes: the process is stopping", e);
        }
        MeasuringInputStream.Failure kind = body.failureKind() == null ? MeasuringInputStream.Failure.IO
                : body.failureKind();
        Throwable cause = kind == MeasuringInputStream.Failure.IO && e.getCause() instanceof HttpTimeoutException t
                ? t : e;
        String what = switch (kind) {
            case TOO_LARGE -> "image too large";
            case CUT_SHORT -> "body cut short";
            case TOO_LONG -> "body longer than its Content-Length";
            case IO -> cause instanceof HttpTimeoutException ? "timed out after " + body.count() + " bytes"
                    : declared >= 0 && body.count() < declared
                    ? "body cut short after " + body.count() + " of " + declared + " bytes"
                    : "body could not be read";
        };
        return new DownloadException(what + " from " + describe(url) + ": " + FileOutputStore.describe(cause), 0,
                kind != MeasuringInputStream.Failure.TOO_LARGE, e);
    }

    private HttpResponse<InputStream> send(URI url, Deadline deadline, Transfers.Transfer transfer) {
        long left = deadline.nanos() - System.nanoTime();
        if (left <= 0) {
            throw new DownloadException("timed out fetching " + describe(url) + ": the download did not finish"
                    + " within its deadline of " + deadline.allowed().toMillis() + " ms (imagebatch.download.timeout,"
                    + " or the task's deadline)", 0, true);
        }
        Duration headers = settings.readTimeout().compareTo(Duration.ofNanos(left)) < 0 ? settings.readTimeout()
                : Duration.ofNanos(left);
        HttpRequest request;
        try {
            request = HttpRequest.newBuilder(url)
                    .GET()
                    .timeout(headers)
                    .header("Accept", "image/png,image/jpeg,image/webp;q=0.9,*/*;q=0.1")
                    .header("User-Agent", "ImageBatch")
                    .build();
        } catch (IllegalArgumentException e) {
            throw new DownloadException("refused " + describe(url) + ": not a valid HTTP URL", 0, false);
        }
        try {
            var future = client.sendAsync(request, HttpResponse.BodyHandlers.ofInputStream());
            transfer.stream(() -> future.cancel(true));
            HttpResponse<InputStream> response = future.get();
            transfer.stream(response.body());
            return response;
        } catch (java.util.concurrent.CancellationException e) {
            throw DownloadException.aborted("the download of " + describe(url) + " was aborted: the process is"
                    + " stopping", e);
        } catch (java.util.concurrent.ExecutionException e) {
            Throwable cause = e.getCause();
            if (transfer.aborted()) {
                throw DownloadException.aborted("the download of " + describe(url) + " was aborted: the process is"
                        + " stopping", cause);
            }
            if (cause instanceof HttpTimeoutException t) {
                throw new DownloadException("timed out fetching " + describe(url) + ": "
                        + FileOutputStore.describe(t), 0, true, t);
            }
            if (cause instanceof IOException io) {
                throw new DownloadException("could not fetch " + describe(url) + ": " + FileOutputStore.describe(io),
                        0, true, io);
            }
            throw new DownloadException("could not fetch " + describe(url) + ": "
                    + FileOutputStore.describe(cause), 0, true, cause);
        } catch (IOException e) {
            throw DownloadException.aborted("the download of " + describe(url) + " was aborted: " + e.getMessage(),
                    e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DownloadException("interrupted while fetching " + describe(url), 0, true, e);
        }
    }

    /**
     * A URL as it may appear in logs and messages ({@link DownloadUrls#describe}).
     *
     * @param url any URI
     * @return scheme, host, port and path; no user info, query or fragment
     */
    public static String describe(URI url) {
        return DownloadUrls.describe(url);
    }

    private static void closeQuietly(InputStream in) {
        try {
            in.close();
        } catch (IOException e) {
            // nothing to add
        }
    }
}
