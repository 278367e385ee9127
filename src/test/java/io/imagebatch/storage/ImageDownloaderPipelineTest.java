package io.imagebatch.storage;

import static org.awaitility.Awaitility.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.imagebatch.label.ImageLabel;
import io.imagebatch.label.MetadataLevel;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A body is read on the download's thread while a second thread checks, labels, hashes and writes it
 * ({@link BufferPipeline}; README.md, "Performance", "Big images"). Whatever ends a download (its end, a stall, a
 * body cut short, a failed check, an interrupt), nothing partial is stored and no spooling thread outlives it.
 * Against a scripted loopback HTTP server ({@link TestHttpServer}) and a real folder.
 */
class ImageDownloaderPipelineTest {

    /** Noise, so it does not compress: about 1 MB, many spool buffers and many IDAT chunks. */
    private static final byte[] BIG_PNG = TestImages.png(600, 600);
    private static final AtomicInteger THREADS = new AtomicInteger();

    @TempDir
    Path dir;

    private TestHttpServer http;
    private OutputStore files;
    private final CountDownLatch release = new CountDownLatch(1);

    @BeforeEach
    void start() throws IOException {
        http = new TestHttpServer();
        files = new FileOutputStore(OutputLocation.parse("file:" + dir.resolve("out")));
    }

    @AfterEach
    void stop() throws IOException {
        release.countDown();
        http.close();
        files.close();
    }

    @Test
    void aBigLabelledPngIsStoredWithTheHashOfExactlyTheStoredBytes() throws Exception {
        http.serveChunked("/big.png", BIG_PNG, "image/png");
        ImageLabel label = new ImageLabel("row-1", "a teapot", "model-x", MetadataLevel.FULL);

        String thread = threadName();
        StoredImage image = on(thread, () -> downloader(DownloadProperties.DEFAULT_READ_TIMEOUT)
                .download(url("/big.png"), files, "row-1", null, label)).get(60, TimeUnit.SECONDS);

        byte[] stored = Files.readAllBytes(dir.resolve("out/row-1.png"));
        assertThat(image.sha256()).isEqualTo(TestImages.sha256(stored));
        assertThat(image.bytes()).isEqualTo(stored.length).isGreaterThan(BIG_PNG.length);
        assertThat(new String(stored, 0, 4096, StandardCharsets.ISO_8859_1)).contains("XML:com.adobe.xmp");
        assertThat(image.width()).isEqualTo(600);
        assertNoSpoolingThread(thread);
        assertThat(listing(dir.resolve("spool"))).isEmpty();
    }

    @Test
    void aPngThatFailsItsCheckMidBodyEndsTheFetchAtOnceInsteadOfWaitingForTheRest() throws Exception {
        byte[] broken = BIG_PNG.clone();
        broken[5_000] ^= 0x55; // inside the first IDAT chunk: its CRC no longer matches
        http.raw("/broken.png", out -> {
            out.write(("HTTP/1.1 200 OK\r\nContent-Type: image/png\r\nContent-Length: " + broken.length
                    + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(broken, 0, broken.length / 2);
            out.flush();
            release.await(120, TimeUnit.SECONDS); // the rest never comes while the test runs
        });

        String thread = threadName();
        Throwable failure = failureOf(on(thread, () -> downloader(Duration.ofSeconds(20))
                .download(raw("/broken.png"), files, "row-2")));

        assertThat(failure).isInstanceOf(DownloadException.class)
                .as("refused for its CRC, not cut off by the read timeout after the stall")
                .hasMessageContaining("not a valid PNG").hasMessageContaining("fails its CRC");
        assertThat(release.getCount()).as("the server still holds the rest back").isEqualTo(1);
        assertNothingStored("row-2");
        assertNoSpoolingThread(thread);
    }

    @Test
    void aBodyThatStallsMidwayTimesOutWithNoFileInPlaceAndNoSpoolingThreadLeft() throws Exception {
        http.raw("/stall.png", out -> {
            out.write(("HTTP/1.1 200 OK\r\nContent-Type: image/png\r\nContent-Length: " + BIG_PNG.length
                    + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(BIG_PNG, 0, BIG_PNG.length / 2);
            out.flush();
            release.await(120, TimeUnit.SECONDS);
        });

        String thread = threadName();
        Throwable failure = failureOf(on(thread, () -> downloader(Duration.ofMillis(700))
                .download(raw("/stall.png"), files, "row-3")));

        assertThat(failure).isInstanceOf(DownloadException.class).hasMessageContaining("timed out");
        assertThat(((DownloadException) failure).retryable()).isTrue();
        assertNothingStored("row-3");
        assertNoSpoolingThread(thread);
    }

    @Test
    void aBodyCutShortMidwayLeavesNoFileInPlaceAndNoSpoolingThread() throws Exception {
        http.raw("/cut.png", out -> {
            out.write(("HTTP/1.1 200 OK\r\nContent-Type: image/png\r\nContent-Length: " + BIG_PNG.length
                    + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(BIG_PNG, 0, BIG_PNG.length * 2 / 3);
            out.flush();
        });

        String thread = threadName();
        Throwable failure = failureOf(on(thread, () -> downloader(DownloadProperties.DEFAULT_READ_TIMEOUT)
                .download(raw("/cut.png"), files, "row-4", null,
                        new ImageLabel("row-4", "a teapot", "model-x", MetadataLevel.FULL))));

        assertThat(failure).isInstanceOf(DownloadException.class).hasMessageContaining("cut short");
        assertNothingStored("row-4");
        assertNoSpoolingThread(thread);
    }

    /**
     * The JDK client's body read does not answer an interrupt (it waits on): the read timeout still ends it, and
     * then both threads end with nothing in place. An interrupt while this thread waits for the spooling thread
     * ends both at once ({@link BufferPipelineTest#anInterruptOfTheReadingThreadEndsBothThreads}).
     */
    @Test
    void anInterruptDuringAStalledBodyLeavesNoFileInPlaceAndNoSpoolingThread() throws Exception {
        http.raw("/slow.png", out -> {
            out.write(("HTTP/1.1 200 OK\r\nContent-Type: image/png\r\nContent-Length: " + BIG_PNG.length
                    + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(BIG_PNG, 0, 200_000); // several buffers: the spool file gets bytes
            out.flush();
            release.await(120, TimeUnit.SECONDS);
        });
        String thread = threadName();
        CompletableFuture<StoredImage> running = on(thread, () -> downloader(Duration.ofSeconds(2))
                .download(raw("/slow.png"), files, "row-5"));
        Path spool = dir.resolve("spool");
        await("the download spools").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(20))
                .until(() -> listing(spool).stream().anyMatch(ImageDownloaderPipelineTest::nonEmpty));

        threadNamed(thread).interrupt();
        Throwable failure = failureOf(running);

        assertThat(failure).isInstanceOf(DownloadException.class);
        assertThat(((DownloadException) failure).retryable()).isTrue();
        assertNothingStored("row-5");
        assertNoSpoolingThread(thread);
    }

    // ---- helpers ----

    private ImageDownloader downloader(Duration readTimeout) {
        return new ImageDownloader(new DownloadProperties(true, null, readTimeout, DownloadProperties.DEFAULT_MAX_BYTES,
                5).withTransferLimits(Duration.ofMinutes(5), 0, Duration.ofSeconds(1))
                .withSpoolDir(dir.resolve("spool")));
    }

    private static String threadName() {
        return "pipeline-test-" + THREADS.incrementAndGet();
    }

    /** Runs {@code call} on a new thread of that name (whose spooling thread is then named after it). */
    private static <T> CompletableFuture<T> on(String name, Supplier<T> call) {
        CompletableFuture<T> result = new CompletableFuture<>();
        Thread thread = new Thread(() -> {
            try {
                result.complete(call.get());
            } catch (Throwable e) {
                result.completeExceptionally(e);
            }
        }, name);
        thread.setDaemon(true);
        thread.start();
        return result;
    }

    private static Throwable failureOf(CompletableFuture<?> running) throws Exception {
        try {
            running.get(60, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            return e.getCause();
        }
        throw new AssertionError("the download succeeded");
    }

    private static Thread threadNamed(String name) {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().equals(name)).findFirst()
                .orElseThrow();
    }

    /** The download returned or threw: its spooling thread, if it had one, has ended (not "will end"). */
    private static void assertNoSpoolingThread(String downloadThread) {
        assertThat(Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName))
                .doesNotContain(BufferPipeline.THREAD_PREFIX + downloadThread);
    }

    private void assertNothingStored(String keyStem) throws IOException {
        assertThat(files.size(keyStem + ".png")).isEmpty();
        assertThat(listing(dir.resolve("spool"))).as("spool files left").isEmpty();
        if (Files.exists(dir.resolve("out"))) {
            try (Stream<Path> all = Files.walk(dir.resolve("out"))) {
                assertThat(all.filter(Files::isRegularFile).toList()).as("files in the folder").isEmpty();
            }
        }
    }

    private static boolean nonEmpty(Path file) {
        try {
            return Files.size(file) > 0;
        } catch (IOException e) {
            return false;
        }
    }

    private static java.util.List<Path> listing(Path folder) throws IOException {
        if (!Files.isDirectory(folder)) {
            return java.util.List.of();
        }
        try (Stream<Path> all = Files.list(folder)) {
            return all.toList();
        }
    }

    private URI url(String path) {
        return URI.create(http.base() + path);
    }

    private URI raw(String path) {
        return URI.create(http.rawBase() + path);
    }
}
