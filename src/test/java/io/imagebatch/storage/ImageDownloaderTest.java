package io.imagebatch.storage;

import static org.awaitility.Awaitility.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import io.imagebatch.testsupport.S3ProxyServer;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;

class ImageDownloaderTest {

    private static final byte[] PNG = TestImages.png(64, 48);
    private static final String SECRET_QUERY = "X-Amz-Signature=top-secret-signature&token=hush";

    private static S3ProxyServer s3;

    @TempDir
    Path dir;

    private TestHttpServer http;
    private OutputStore files;
    private OutputStore bucket;
    private ImageDownloader downloader;

    @BeforeAll
    static void startS3() {
        s3 = S3ProxyServer.start();
        s3.createBucket("downloads");
    }

    @AfterAll
    static void stopS3() {
        s3.close();
    }

    @BeforeEach
    void start() throws IOException {
        http = new TestHttpServer();
        files = new FileOutputStore(OutputLocation.parse("file:" + dir.resolve("out")));
        bucket = new S3OutputStore(OutputLocation.parse("s3://downloads/run-" + System.nanoTime()), s3.client(),
                StorageProperties.MIN_PART_SIZE);
        downloader = new ImageDownloader(DownloadProperties.defaults().withAllowPrivateNetworks(true)
                .withSpoolDir(dir.resolve("spool")));
    }

    @AfterEach
    void stop() throws IOException {
        http.close();
        files.close();
        bucket.close();
    }

    // ---- storing ----

    @Test
    void storesPngWithHashSizeAndDimensions() throws IOException {
        http.serve("/results/image.png", PNG, "application/octet-stream");

        StoredImage image = downloader.download(url("/results/image.png?" + SECRET_QUERY), files, "b1/row-1");

        assertThat(image.key()).isEqualTo("b1/row-1.png");
        assertThat(image.uri()).isEqualTo(URI.create("file:" + dir.resolve("out/b1/row-1.png")));
        assertThat(image.contentType()).as("sniffed, not the server's header").isEqualTo("image/png");
        assertThat(image.bytes()).isEqualTo(PNG.length);
        assertThat(image.sha256()).isEqualTo(TestImages.sha256(PNG)).matches("[0-9a-f]{64}");
        assertThat(image.width()).isEqualTo(64);
        assertThat(image.height()).isEqualTo(48);
        assertThat(Files.readAllBytes(dir.resolve("out/b1/row-1.png"))).isEqualTo(PNG);
        assertThat(http.requests()).containsExactly("/results/image.png?" + SECRET_QUERY);
    }

    @Test
    void storesChunkedPngInAFolder() throws IOException {
        byte[] png = TestImages.png(300, 200);
        http.serveChunked("/chunked.png", png, "image/png");

        StoredImage image = downloader.download(url("/chunked.png"), files, "row-2");

        assertThat(image.bytes()).isEqualTo(png.length);
        assertThat(image.sha256()).isEqualTo(TestImages.sha256(png));
        assertThat(image.width()).isEqualTo(300);
        assertThat(image.height()).isEqualTo(200);
        assertThat(Files.readAllBytes(dir.resolve("out/row-2.png"))).isEqualTo(png);
    }

    @Test
    void streamsIntoS3WithKnownLength() {
        http.serve("/image.png", PNG, "image/png");

        StoredImage image = downloader.download(url("/image.png"), bucket, "b1/row-3");

        String fullKey = bucket.location().key("b1/row-3.png");
        assertThat(image.uri()).isEqualTo(URI.create("s3://downloads/" + fullKey));
        assertThat(s3.client().getObjectAsBytes(b -> b.bucket("downloads").key(fullKey)).asByteArray())
                .isEqualTo(PNG);
        HeadObjectResponse head = s3.client().headObject(b -> b.bucket("downloads").key(fullKey));
        assertThat(head.contentType()).isEqualTo("image/png");
        assertThat(image.sha256()).isEqualTo(TestImages.sha256(PNG));
        assertThat(bucket.size("b1/row-3.png")).contains((long) PNG.length);
    }

    @Test
    void streamsIntoS3WithUnknownLength() {
        byte[] png = TestImages.png(400, 300);
        http.serveChunked("/chunked.png", png, "image/png");

        StoredImage image = downloader.download(url("/chunked.png"), bucket, "row-4");

        assertThat(image.sha256()).isEqualTo(TestImages.sha256(png));
        assertThat(bucket.size("row-4.png")).contains((long) png.length);
    }

    @Test
    void storesJpegWithTheDimensionsOfItsFrameHeader() {
        byte[] jpeg = TestImages.jpeg(40, 30);
        http.serve("/photo", jpeg, "image/png");

        StoredImage image = downloader.download(url("/photo"), files, "row-5");

        assertThat(image.key()).isEqualTo("row-5.jpg");
        assertThat(image.contentType()).isEqualTo("image/jpeg");
        assertThat(image.width()).isEqualTo(40);
        assertThat(image.height()).isEqualTo(30);
        assertThat(image.sha256()).isEqualTo(TestImages.sha256(jpeg));
    }

    @Test
    void storesWebp() {
        byte[] webp = TestImages.webpLike(5000);
        http.serve("/w", webp, "binary/octet-stream");

        StoredImage image = downloader.download(url("/w"), bucket, "row-6");

        assertThat(image.key()).isEqualTo("row-6.webp");
        assertThat(image.contentType()).isEqualTo("image/webp");
        assertThat(image.width()).isEqualTo(300);
        assertThat(image.height()).isEqualTo(200);
        assertThat(bucket.size("row-6.webp")).contains(5000L);
    }

    // ---- content refused ----

    @Test
    void refusesContentThatIsNotAnImage() {
        http.serve("/page", "<!DOCTYPE html><html><body>expired</body></html>".getBytes(StandardCharsets.UTF_8),
                "image/png");

        DownloadException e = refused(() -> downloader.download(url("/page?" + SECRET_QUERY), files, "row-7"));

        assertThat(e).hasMessageContaining("not an image").hasMessageContaining("127.0.0.1")
                .hasMessageContaining("/page");
        assertThat(e.retryable()).isTrue(); // expired or broken results: a body that is not an image is retried, then a fresh URL is asked for;
        assertNothingStored(files, "row-7");
    }

    @Test
    void refusesTinyOrEmptyBodies() {
        http.serve("/tiny", new byte[] {(byte) 0x89, 'P'}, "image/png");
        http.serve("/empty", new byte[0], "image/png");
        assertThat(refused(() -> downloader.download(url("/tiny"), files, "row-8"))).hasMessageContaining("not an image");
        assertThat(refused(() -> downloader.download(url("/empty"), bucket, "row-8"))).hasMessageContaining("not an image");
        assertNothingStored(files, "row-8");
        assertNothingStored(bucket, "row-8");
    }

    @Test
    void refusesBodyCutShortIntoAFolder() {
        serveCutShort("/cut.png");

        DownloadException e = refused(() -> downloader.download(raw("/cut.png?" + SECRET_QUERY), files, "row-9"));

        assertThat(e.retryable()).isTrue();
        assertThat(e).hasMessageContaining("cut short").hasMessageContaining("/cut.png");
        assertNothingStored(files, "row-9");
    }

    @Test
    void refusesBodyCutShortIntoS3() {
        serveCutShort("/cut.png");

        DownloadException e = refused(() -> downloader.download(raw("/cut.png"), bucket, "row-10"));

        assertThat(e.retryable()).isTrue();
        assertThat(e).hasMessageContaining("cut short");
        assertNothingStored(bucket, "row-10");
    }

    @Test
    void stalledBodyTimesOut() {
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        http.raw("/stall.png", out -> {
            out.write(("HTTP/1.1 200 OK\r\nContent-Type: image/png\r\nContent-Length: " + PNG.length
                    + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(PNG, 0, 100);
            out.flush();
            release.await(120, java.util.concurrent.TimeUnit.SECONDS); // the rest never comes while the test runs
        });
        ImageDownloader impatient = new ImageDownloader(new DownloadProperties(true, Duration.ofSeconds(2),
                Duration.ofMillis(700), DownloadProperties.DEFAULT_MAX_BYTES, 5));

        try {
            DownloadException e = refused(() -> impatient.download(raw("/stall.png"), files, "row-11"));

            assertThat(release.getCount()).as("the download gave up while the server still held the body back")
                    .isEqualTo(1);
            assertThat(e.retryable()).isTrue();
            assertThat(e).hasMessageContaining("timed out");
            assertNothingStored(files, "row-11");
        } finally {
            release.countDown();
        }
    }

    @Test
    void refusesImagesLargerThanMaxBytesByContentLength() {
        http.serve("/big.png", PNG, "image/png");
        ImageDownloader small = new ImageDownloader(new DownloadProperties(true, null, null, PNG.length - 1, 5));

        DownloadException e = refused(() -> small.download(url("/big.png"), files, "row-12"));

        assertThat(e.retryable()).isFalse();
        assertThat(e).hasMessageContaining("limit of " + (PNG.length - 1) + " bytes");
        assertNothingStored(files, "row-12");
    }

    @Test
    void refusesImagesLargerThanMaxBytesWhileStreaming() {
        http.serveChunked("/big.png", PNG, "image/png");
        ImageDownloader small = new ImageDownloader(new DownloadProperties(true, null, null, PNG.length - 1, 5));

        DownloadException e = refused(() -> small.download(url("/big.png"), files, "row-13"));
        assertThat(e.retryable()).isFalse();
        assertThat(e).hasMessageContaining("too large");
        assertNothingStored(files, "row-13");

        DownloadException s3e = refused(() -> small.download(url("/big.png"), bucket, "row-13"));
        assertThat(s3e.retryable()).isFalse();
        assertNothingStored(bucket, "row-13");
    }

    @Test
    void acceptsImagesOfExactlyMaxBytes() {
        http.serveChunked("/exact.png", PNG, "image/png");
        ImageDownloader exact = new ImageDownloader(new DownloadProperties(true, null, null, PNG.length, 5));
        assertThat(exact.download(url("/exact.png"), files, "row-14").bytes()).isEqualTo(PNG.length);
    }

    // ---- images checked before they are stored (decompression bombs, broken structure) ----

    @Test
    void aDecompressionBombIsRefusedFromItsHeaderAndNothingIsStored() {
        // a real 64 x 48 PNG whose header declares 100,000 x 100,000 pixels (10,000 megapixels)
        http.serve("/bomb.png", TestImages.pngDeclaring(64, 48, 100_000, 100_000), "image/png");

        DownloadException e = refused(() -> downloader.download(url("/bomb.png?" + SECRET_QUERY), files, "row-40"));
        DownloadException s3e = refused(() -> downloader.download(url("/bomb.png"), bucket, "row-40"));

        assertThat(e).hasMessageContaining("100000 x 100000 pixels").hasMessageContaining("100.0 megapixels")
                .hasMessageContaining("imagebatch.download.max-pixels");
        assertThat(e.retryable()).as("the same file would be refused again").isFalse();
        assertThat(s3e.retryable()).isFalse();
        assertNothingStored(files, "row-40");
        assertNothingStored(bucket, "row-40");
    }

    @Test
    void thePixelLimitIsConfigurable() {
        http.serve("/image.png", PNG, "image/png");
        ImageDownloader strict = new ImageDownloader(DownloadProperties.defaults().withAllowPrivateNetworks(true)
                .withMaxPixels(64 * 48 - 1).withSpoolDir(dir.resolve("spool")));

        assertThat(refused(() -> strict.download(url("/image.png"), files, "row-41")))
                .hasMessageContaining("64 x 48 pixels");
        assertThat(new ImageDownloader(DownloadProperties.defaults().withAllowPrivateNetworks(true)
                .withMaxPixels(64 * 48)).download(url("/image.png"), files, "row-41").width()).isEqualTo(64);
    }

    @Test
    void aJpegHeaderFollowedByHtmlIsNotStoredAsAJpeg() {
        byte[] jpeg = TestImages.jpeg(40, 30);
        byte[] html = "<!DOCTYPE html><html><body>Access denied</body></html>".getBytes(StandardCharsets.UTF_8);
        for (int cut : new int[] {4, 20, 400}) {
            byte[] body = new byte[cut + html.length];
            System.arraycopy(jpeg, 0, body, 0, cut);
            System.arraycopy(html, 0, body, cut, html.length);
            http.serve("/fake-" + cut + ".jpg", body, "image/jpeg");

            DownloadException e = refused(() -> downloader.download(url("/fake-" + cut + ".jpg"), files, "row-42"));

            assertThat(e).as("cut at " + cut).hasMessageContaining("not a valid JPEG");
            assertThat(e.retryable()).isTrue();
        }
        assertNothingStored(files, "row-42");
    }

    @Test
    void aPngWhoseChunksAreBrokenIsRefused() {
        byte[] broken = PNG.clone();
        broken[broken.length / 2] ^= 0x55; // a bit flip inside IDAT: its CRC no longer matches
        http.serve("/broken.png", broken, "image/png");
        byte[] truncated = java.util.Arrays.copyOf(PNG, PNG.length - 12); // no IEND
        http.serveChunked("/truncated.png", truncated, "image/png");

        assertThat(refused(() -> downloader.download(url("/broken.png"), files, "row-43")))
                .hasMessageContaining("not a valid PNG").hasMessageContaining("CRC");
        assertThat(refused(() -> downloader.download(url("/truncated.png"), bucket, "row-43")))
                .hasMessageContaining("not a valid PNG");
        assertNothingStored(files, "row-43");
        assertNothingStored(bucket, "row-43");
    }

    // ---- bounded in time: overall deadline, minimum rate, the task's deadline, a stopping process ----

    @Test
    void aResultThatDripsIsCutOffByTheMinimumTransferRateAndNothingPartialIsLeft() {
        drip("/drip.png", 200);
        ImageDownloader guarded = new ImageDownloader(DownloadProperties.defaults().withAllowPrivateNetworks(true)
                .withTransferLimits(Duration.ofMinutes(5), 1000, Duration.ofSeconds(1))
                .withSpoolDir(dir.resolve("spool")));

        DownloadException e = refused(() -> guarded.download(raw("/drip.png?" + SECRET_QUERY), files, "row-44"));

        assertThat(e).hasMessageContaining("slower than the minimum of 1000 bytes/s")
                .hasMessageContaining("imagebatch.download.min-rate").hasMessageContaining("/drip.png");
        assertThat(e.retryable()).as("retried, then FAILED, like a cut download").isTrue();
        assertThat(e.aborted()).isFalse();
        assertNothingStored(files, "row-44");
    }

    @Test
    void aResultFastEnoughForTheRateIsStillCutOffAtTheOverallDeadline() {
        drip("/slow.png", 20);
        ImageDownloader guarded = new ImageDownloader(DownloadProperties.defaults().withAllowPrivateNetworks(true)
                .withTransferLimits(Duration.ofMillis(1500), 0, Duration.ofSeconds(1))
                .withSpoolDir(dir.resolve("spool")));

        DownloadException e = refused(() -> guarded.download(raw("/slow.png"), bucket, "row-45"));

        assertThat(e).hasMessageContaining("did not finish within its deadline of 1500 ms");
        assertThat(e.retryable()).isTrue();
        assertNothingStored(bucket, "row-45");
    }

    @Test
    void theTaskDeadlineCoversTheFetchInFlight() {
        drip("/late.png", 20);

        DownloadException e = refused(() -> downloader.download(raw("/late.png"), files, "row-46",
                Duration.ofMillis(800)));

        assertThat(e).hasMessageContaining("did not finish within its deadline of 800 ms")
                .hasMessageContaining("the task's deadline");
        assertNothingStored(files, "row-46");
        assertThat(refused(() -> downloader.download(raw("/late.png"), files, "row-46", Duration.ZERO)))
                .hasMessageContaining("deadline has passed");
    }

    @Test
    void stoppingTheProcessAbortsADownloadInFlightAndLeavesNoPartialFile() throws Exception {
        drip("/endless.png", 50);
        java.util.concurrent.CompletableFuture<StoredImage> running = java.util.concurrent.CompletableFuture
                .supplyAsync(() -> downloader.download(raw("/endless.png"), files, "row-47"));
        Path spool = dir.resolve("spool");
        await("the download spools").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(20))
                .until(() -> Files.isDirectory(spool) && !listing(spool).isEmpty());

        assertThat(Transfers.abortAll()).as("what the shutdown hook does on SIGTERM").isPositive();

        Throwable failure = org.assertj.core.api.Assertions.catchThrowable(
                () -> running.get(60, java.util.concurrent.TimeUnit.SECONDS));
        assertThat(failure).hasCauseInstanceOf(DownloadException.class);
        DownloadException e = (DownloadException) failure.getCause();
        assertThat(e.aborted()).as("not counted as an attempt").isTrue();
        assertThat(listing(spool)).isEmpty();
        assertNothingStored(files, "row-47");
    }

    // ---- HTTP statuses ----

    @ParameterizedTest
    // 204: an empty body is "not an image", which the download step retries (then asks for a fresh URL)
    @CsvSource({"404,true", "410,true", "403,true", "429,true", "500,true", "503,true", "400,false", "401,false",
            "204,true"})
    void classifiesStatuses(int status, boolean retryable) {
        http.status("/result.png", status);

        DownloadException e = refused(() -> downloader.download(url("/result.png?" + SECRET_QUERY), files, "row-15"));

        if (status != 204) {
            assertThat(e.httpStatus()).isEqualTo(status);
            assertThat(e).hasMessageContaining("HTTP " + status);
        }
        assertThat(e.retryable()).isEqualTo(retryable);
        assertThat(e).hasMessageContaining("127.0.0.1").hasMessageContaining("/result.png");
        assertNothingStored(files, "row-15");
    }

    // ---- redirects ----

    @Test
    void followsRelativeAndAbsoluteRedirects() {
        http.serve("/final/image.png", PNG, "image/png");
        http.redirect("/start", 302, "/hop?" + SECRET_QUERY);
        http.redirect("/hop", 307, http.base() + "/final/image.png#frag");

        StoredImage image = downloader.download(url("/start"), files, "row-16");

        assertThat(image.sha256()).isEqualTo(TestImages.sha256(PNG));
        assertThat(http.requests()).containsExactly("/start", "/hop?" + SECRET_QUERY, "/final/image.png");
    }

    @Test
    void stopsAfterMaxRedirects() {
        http.redirect("/loop", 302, "/loop");

        DownloadException e = refused(() -> downloader.download(url("/loop"), files, "row-17"));

        assertThat(e).hasMessageContaining("more than 5 redirects");
        assertThat(e.retryable()).isFalse();
        assertThat(http.requests()).hasSize(6);
    }

    @Test
    void refusesRedirectToAnotherScheme() {
        http.redirect("/evil", 302, "file:/etc/passwd");
        DownloadException e = refused(() -> downloader.download(url("/evil"), files, "row-18"));
        assertThat(e).hasMessageContaining("only http and https");
        assertThat(e.retryable()).isFalse();
    }

    @Test
    void rechecksEveryRedirectTarget() {
        // made-up host names resolved by a fake resolver and served by the test server acting as a proxy
        Map<String, String> dns = Map.of("images.example.test", "93.184.215.7", "cdn.example.test", "93.184.215.8",
                "internal.example.test", "10.0.0.7");
        ImageDownloader guarded = new ImageDownloader(DownloadProperties.defaults(), host -> resolve(dns, host),
                http.asProxy());
        http.serve("/image.png", PNG, "image/png");
        http.redirect("/to-public", 302, "http://cdn.example.test/image.png");
        http.redirect("/to-internal", 302, "http://internal.example.test/image.png");
        http.redirect("/to-loopback", 301, http.base() + "/image.png");

        StoredImage image = guarded.download(URI.create("http://images.example.test/to-public"), files, "row-19");
        assertThat(image.sha256()).isEqualTo(TestImages.sha256(PNG));
        assertThat(http.requests()).containsExactly("http://images.example.test/to-public",
                "http://cdn.example.test/image.png");

        http.requests().clear();
        DownloadException e = refused(() -> guarded.download(URI.create("http://images.example.test/to-internal"),
                files, "row-20"));
        assertThat(e).hasMessageContaining("10.0.0.7").hasMessageContaining("internal.example.test");
        assertThat(e.retryable()).isFalse();
        assertThat(http.requests()).containsExactly("http://images.example.test/to-internal");

        DownloadException loop = refused(() -> guarded.download(URI.create("http://images.example.test/to-loopback"),
                files, "row-20"));
        assertThat(loop).hasMessageContaining("127.0.0.1");
        assertNothingStored(files, "row-20");
    }

    // ---- URLs refused before any request ----

    @ParameterizedTest
    @ValueSource(strings = {"127.0.0.1", "localhost", "[::1]"})
    void refusesLoopbackByDefault(String host) {
        http.serve("/image.png", PNG, "image/png");
        ImageDownloader strict = new ImageDownloader(DownloadProperties.defaults());
        URI url = URI.create("http://" + host + ":" + http.base().getPort() + "/image.png?" + SECRET_QUERY);

        DownloadException e = refused(() -> strict.download(url, files, "row-21"));

        assertThat(e).hasMessageContaining("allow-private-networks");
        assertThat(e.retryable()).isFalse();
        assertThat(e.httpStatus()).isZero();
        assertThat(http.requests()).isEmpty();
        assertNothingStored(files, "row-21");
    }

    @Test
    void refusesWhenAnyResolvedAddressIsPrivate() {
        ImageDownloader guarded = new ImageDownloader(DownloadProperties.defaults(),
                host -> new InetAddress[] {InetAddress.getByName("93.184.215.9"), InetAddress.getByName("192.168.1.1")},
                http.asProxy());
        DownloadException e = refused(() -> guarded.download(URI.create("http://mixed.example.test/x.png"), files,
                "row-22"));
        assertThat(e).hasMessageContaining("192.168.1.1");
        assertThat(http.requests()).isEmpty();
    }

    @Test
    void unresolvableHostIsRetryable() {
        ImageDownloader guarded = new ImageDownloader(DownloadProperties.defaults(), host -> {
            throw new UnknownHostException(host);
        }, null);
        DownloadException e = refused(() -> guarded.download(URI.create("https://gone.example.test/x.png"), files,
                "row-23"));
        assertThat(e.retryable()).isTrue();
        assertThat(e).hasMessageContaining("cannot resolve");
    }

    @ParameterizedTest
    @ValueSource(strings = {"file:/etc/passwd", "file:///etc/hosts", "ftp://example.com/x.png",
            "jar:file:/x.jar!/a.png", "data:image/png;base64,iVBORw0KGgo=", "/relative/path.png"})
    void refusesOtherSchemes(String source) {
        DownloadException e = refused(() -> downloader.download(URI.create(source), files, "row-24"));
        assertThat(e).hasMessageContaining("only http and https");
        assertThat(e.retryable()).isFalse();
        assertNothingStored(files, "row-24");
    }

    @Test
    void refusesUserInfoWithoutPrintingIt() {
        DownloadException e = refused(() -> downloader.download(
                URI.create("http://user:pa55word@127.0.0.1:" + http.base().getPort() + "/image.png"), files, "row-25"));
        assertThat(e).hasMessageNotContaining("pa55word").hasMessageContaining("user info");
    }

    @Test
    void connectionRefusedIsRetryable() throws IOException {
        int port;
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = socket.getLocalPort();
        }
        DownloadException e = refused(() -> downloader.download(
                URI.create("http://127.0.0.1:" + port + "/image.png?" + SECRET_QUERY), files, "row-26"));
        assertThat(e.retryable()).isTrue();
        assertThat(e).hasMessageContaining("could not fetch http://127.0.0.1:" + port + "/image.png");
    }

    @Test
    void refusesInvalidKeyStem() {
        assertThatThrownBy(() -> downloader.download(url("/x"), files, "../escape"))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void describeDropsQueryUserInfoAndFragment() {
        assertThat(ImageDownloader.describe(URI.create(
                "https://u:p@bucket.example.com:8443/a/b%20c.png?X-Amz-Signature=abc#frag")))
                .isEqualTo("https://bucket.example.com:8443/a/b%20c.png");
        assertThat(ImageDownloader.describe(URI.create("https://h.example"))).isEqualTo("https://h.example/");
    }

    // ---- helpers ----

    /** A response that declares a large PNG and sends it one byte every {@code everyMillis} ms. */
    private void drip(String path, long everyMillis) {
        byte[] big = TestImages.png(600, 600);
        http.raw(path, out -> {
            out.write(("HTTP/1.1 200 OK\r\nContent-Type: image/png\r\nContent-Length: " + big.length
                    + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            for (byte b : big) {
                out.write(b);
                out.flush();
                Thread.sleep(everyMillis);
            }
        });
    }

    private static java.util.List<Path> listing(Path folder) throws IOException {
        if (!Files.isDirectory(folder)) {
            return java.util.List.of();
        }
        try (Stream<Path> all = Files.list(folder)) {
            return all.toList();
        }
    }

    private void serveCutShort(String path) {
        http.raw(path, out -> {
            out.write(("HTTP/1.1 200 OK\r\nContent-Type: image/png\r\nContent-Length: " + PNG.length
                    + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(PNG, 0, PNG.length / 2);
            out.flush();
        });
    }

    private URI url(String pathAndQuery) {
        return URI.create(http.base() + pathAndQuery);
    }

    private URI raw(String pathAndQuery) {
        return URI.create(http.rawBase() + pathAndQuery);
    }

    private static InetAddress[] resolve(Map<String, String> dns, String host) throws UnknownHostException {
        String ip = dns.get(host);
        if (ip == null) {
            return InetAddress.getAllByName(host);
        }
        return new InetAddress[] {InetAddress.getByName(ip)};
    }

    private static DownloadException refused(Runnable call) {
        DownloadException e = catchThrowableOfType(DownloadException.class, call::run);
        assertThat(e).as("a DownloadException").isNotNull();
        assertThat(e.getMessage()).doesNotContain("top-secret-signature").doesNotContain("hush");
        return e;
    }

    private void assertNothingStored(OutputStore store, String keyStem) {
        for (String ext : new String[] {"png", "jpg", "webp"}) {
            assertThat(store.size(keyStem + "." + ext)).as(keyStem + "." + ext).isEmpty();
        }
        try {
            assertThat(listing(dir.resolve("spool"))).as("spool files left").isEmpty();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        if (store == files && Files.exists(dir.resolve("out"))) {
            try (Stream<Path> all = Files.walk(dir.resolve("out"))) {
                assertThat(all.filter(p -> p.getFileName().toString().endsWith(".part")).toList()).isEmpty();
            } catch (IOException e) {
                throw new AssertionError(e);
            }
        }
        if (store == bucket) {
            assertThat(s3.client().listMultipartUploads(b -> b.bucket("downloads")).uploads()).isEmpty();
        }
    }

}
