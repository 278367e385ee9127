package io.imagebatch.sandbox;

import org.awaitility.core.ConditionTimeoutException;
import static org.awaitility.Awaitility.await;
import static io.imagebatch.sandbox.LiangXinClient.JSON;
import static io.imagebatch.sandbox.LiangXinClient.flash;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.imagebatch.provider.FailureClass;
import io.imagebatch.provider.ImageRequest;
import io.imagebatch.provider.ProviderException;
import io.imagebatch.provider.ProviderSettings;
import io.imagebatch.provider.liangxin.LiangXinAdapter;
import io.imagebatch.sandbox.LiangXinClient.Answer;
import io.imagebatch.storage.DownloadException;
import io.imagebatch.storage.DownloadProperties;
import io.imagebatch.storage.FileOutputStore;
import io.imagebatch.storage.ImageDownloader;
import io.imagebatch.storage.OutputLocation;
import io.imagebatch.storage.StoredImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sandbox's crash-test faults over real HTTP: random 429s ({@link SandboxSettings#tooManyRequestsRate()}),
 * create answers dropped after the task was made ({@link SandboxSettings#createDropRate()}) and downloads cut
 * short ({@link SandboxSettings#downloadCutRate()}); what a client, ImageBatch's LiangXin adapter and its image
 * downloader see of them; their stats; and that the same seed makes the same choices.
 */
class SandboxFaultsTest {

    private static final Duration FAST_MIN = Duration.ofMillis(20);
    private static final Duration FAST_MAX = Duration.ofMillis(60);
    private static final Duration TIMEOUT = Duration.ofSeconds(5);

    private static SandboxSettings fast() {
        return SandboxSettings.defaults().withGenerationTime(FAST_MIN, FAST_MAX);
    }

    // ---- random 429 ----

    @Test
    void tooManyRequestsAnswers429WithRetryAfterAndTheProtocolsErrorBodyAndCreatesNothing() throws Exception {
        try (SandboxProvider sandbox = SandboxProvider.start(fast().withTooManyRequestsRate(1.0))) {
            LiangXinClient c = new LiangXinClient(sandbox.baseUrl());
            Answer create = c.create(flash("\"prompt\":\"a busy fox\""));
            assertEquals(429, create.status());
            assertEquals("1", create.raw().headers().firstValue("Retry-After").orElseThrow());
            assertEquals(JSON.readTree("{\"code\":429,\"msg\":\"sandbox: too many requests\",\"data\":null}"),
                    create.json());
            assertEquals(429, c.recordInfo("task_x_1_1").status());
            // before anything else: even a wrong key or an invalid body gets the 429
            LiangXinClient wrongKey = new LiangXinClient(sandbox.baseUrl(), "wrong");
            assertEquals(429, wrongKey.create(flash("\"prompt\":\"x\"")).status());
            // mingyan's error shape on mingyan's endpoint
            Answer mingyan = LiangXinClient.send(java.net.http.HttpRequest.newBuilder(
                            sandbox.baseUrl().resolve("/v1/banana/images"))
                    .header("Authorization", "Bearer " + SandboxProvider.API_KEY)
                    .header("Content-Type", "application/json")
                    .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{\"prompt\":\"a busy owl\"}")));
            assertEquals(429, mingyan.status());
            assertEquals("1", mingyan.raw().headers().firstValue("Retry-After").orElseThrow());
            assertEquals("sandbox: too many requests", mingyan.json().path("error").path("message").asString());
            // the stats endpoint is never affected
            assertEquals(200, c.get("/sandbox/stats").status());

            SandboxStats stats = sandbox.stats();
            assertEquals(0, stats.creates());
            assertEquals(Map.of(), stats.createsByPrompt());
            assertEquals(3, stats.rejectedCreates());
        }
    }

    @Test
    void tooManyRequestsLeavesFilesAlone() throws Exception {
        // a create has to get through first: at a rate of 0.5 one of 50 tries does (seeded: always the same one)
        try (SandboxProvider sandbox = SandboxProvider.start(fast().withSeed(5).withTooManyRequestsRate(0.5))) {
            LiangXinClient c = new LiangXinClient(sandbox.baseUrl());
            String taskId = null;
            for (int i = 0; i < 50 && taskId == null; i++) {
                Answer create = c.create(flash("\"prompt\":\"patient fox\""));
                if (create.status() == 200) {
                    taskId = create.json().path("data").path("taskId").asString();
                }
            }
            assertTrue(taskId != null, "no create got through in 50 tries at a 429 rate of 0.5");
            awaitSuccess(c, taskId);
            for (int i = 0; i < 10; i++) {
                assertEquals(200, c.get("/files/" + taskId + ".png").status(), "download " + i);
            }
        }
    }

    @Test
    void tooManyRequestsIsAFractionAndTheSameSeedRefusesTheSameRequests() {
        SandboxSettings settings = fast().withSeed(77).withTooManyRequestsRate(0.3);
        List<Integer> first = statuses(settings, 60);
        List<Integer> second = statuses(settings, 60);
        assertEquals(first, second, "the same seed and request order must make the same choices");
        long refused = first.stream().filter(s -> s == 429).count();
        assertTrue(refused >= 6 && refused <= 32, "429s: " + refused + " of 60 at a rate of 0.3");
        assertTrue(first.stream().allMatch(s -> s == 429 || s == 404), first::toString);
        assertNotEquals(first, statuses(settings.withSeed(78), 60), "another seed, other choices");
    }

    @Test
    void serverErrorsComeFirstThen429s() {
        List<Integer> both = statuses(fast().withSeed(3).withServerErrorRate(0.2).withTooManyRequestsRate(0.2), 200);
        assertTrue(both.contains(500) && both.contains(429), both::toString);
        // the 500 draws are those of a sandbox without 429s: adding a fault does not move the other one's
        List<Integer> only500 = statuses(fast().withSeed(3).withServerErrorRate(0.2), 200);
        for (int i = 0; i < 200; i++) {
            assertEquals(only500.get(i) == 500, both.get(i) == 500, "request " + i);
        }
    }

    /** Sequential status queries for an unknown task (404 when served), by HTTP status. */
    private static List<Integer> statuses(SandboxSettings settings, int requests) {
        try (SandboxProvider sandbox = SandboxProvider.start(settings)) {
            LiangXinClient c = new LiangXinClient(sandbox.baseUrl());
            List<Integer> statuses = new ArrayList<>();
            for (int i = 0; i < requests; i++) {
                statuses.add(c.recordInfo("task_unknown").status());
            }
            return statuses;
        }
    }

    // ---- dropped create answers ----

    @Test
    void aDroppedCreateMakesTheTaskButClosesTheConnectionWithoutAnAnswer() throws Exception {
        try (SandboxProvider sandbox = SandboxProvider.start(fast().withCreateDropRate(1.0))) {
            LiangXinClient c = new LiangXinClient(sandbox.baseUrl());
            UncheckedIOException dropped = assertThrows(UncheckedIOException.class,
                    () -> c.create(flash("\"prompt\":\"lost in the mail\"")));
            // the client's request timeout did not end it: the closed connection did (the client did not wait)
            assertFalse(dropped.getCause() instanceof HttpTimeoutException, dropped::toString);

            SandboxStats stats = sandbox.stats();
            assertEquals(1, stats.creates(), "the task was made, as a real provider would have");
            assertEquals(Map.of("lost in the mail", 1), stats.createsByPrompt());
            assertEquals(1, stats.droppedCreates());
            assertEquals(Map.of("lost in the mail", 1), stats.droppedCreatesByPrompt());
            assertEquals(0, stats.rejectedCreates());

            // a create the sandbox refuses is answered, not dropped: only tasks that exist lose their answer
            assertEquals(400, c.create(flash("\"prompt\":\"x\"")).status());
            assertEquals(1, sandbox.stats().droppedCreates());
            // the server is fine afterwards
            assertEquals(404, c.recordInfo("task_unknown").status());
        }
    }

    @Test
    void aDroppedCreateOnTheWireIsNoResponseAtAll() throws Exception {
        try (SandboxProvider sandbox = SandboxProvider.start(fast().withCreateDropRate(1.0));
                Socket socket = new Socket("127.0.0.1", sandbox.baseUrl().getPort())) {
            socket.setSoTimeout(5000);
            byte[] body = flash("\"prompt\":\"raw drop\"").getBytes(StandardCharsets.UTF_8);
            OutputStream out = socket.getOutputStream();
            out.write(("POST /api/v1/jobs/createTask HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer "
                    + SandboxProvider.API_KEY + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length
                    + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(body);
            out.flush();
            // end of stream (or a reset) before a single byte: the connection was closed, not kept waiting
            int first;
            try {
                first = socket.getInputStream().read();
            } catch (java.net.SocketException reset) {
                first = -1;
            }
            assertEquals(-1, first);
            assertEquals(Map.of("raw drop", 1), sandbox.stats().droppedCreatesByPrompt());
        }
    }

    @Test
    void theLiangXinAdapterSeesADroppedCreateAsMayHaveReachedTheProvider() {
        try (SandboxProvider sandbox = SandboxProvider.start(fast().withCreateDropRate(1.0))) {
            LiangXinAdapter adapter = new LiangXinAdapter(ProviderSettings.of(sandbox.baseUrl(),
                    SandboxProvider.API_KEY));
            ImageRequest request = new ImageRequest(LiangXinAdapter.NAME, "nano-banana-pro-flash", "a dropped heron",
                    "1:1", "1K", "png", List.of());
            ProviderException e = assertThrows(ProviderException.class, () -> adapter.createTask(request, null));
            assertTrue(e.mayHaveReachedProvider(), e::toString);
            assertEquals(FailureClass.BUSY, e.failureClass());
            assertEquals(0, e.httpStatus());
            assertInstanceOf(IOException.class, e.getCause());
            assertEquals(Map.of("a dropped heron", 1), sandbox.stats().droppedCreatesByPrompt());
            assertEquals(Map.of("a dropped heron", 1), sandbox.stats().createsByPrompt(), "sent once, not retried");
        }
    }

    @Test
    void dropsAreAFractionOfCreatesAndTheSameSeedDropsTheSamePrompts() {
        SandboxSettings settings = fast().withSeed(11).withCreateDropRate(0.25);
        DropRun first = drops(settings, 40);
        DropRun second = drops(settings, 40);
        assertEquals(first.dropped(), second.dropped(), "the same seed and request order must drop the same creates");
        assertTrue(first.dropped().size() >= 3 && first.dropped().size() <= 20, "dropped: " + first.dropped());
        // every create made a task; those answered and those dropped split the prompts
        assertEquals(40, first.stats().creates());
        assertEquals(first.dropped(), first.stats().droppedCreatesByPrompt().keySet());
        assertEquals(40, first.stats().createsByPrompt().size());
        Set<String> answered = new HashSet<>(first.stats().createsByPrompt().keySet());
        answered.removeAll(first.dropped());
        assertEquals(40 - first.dropped().size(), answered.size());
        assertEquals(0, first.stats().rejectedCreates());
    }

    @Test
    void theTaskListNamesEveryTaskMadeWithItsPromptAlsoThoseWhoseCreateAnswerWasDropped() {
        try (SandboxProvider sandbox = SandboxProvider.start(fast().withSeed(11).withCreateDropRate(0.25))) {
            LiangXinClient c = new LiangXinClient(sandbox.baseUrl());
            Map<String, String> answered = new java.util.HashMap<>();
            int dropped = 0;
            for (int i = 0; i < 20; i++) {
                // each prompt twice, as a row's variants send it: only the task ids tell the two creates apart
                String prompt = "variant of prompt " + i / 2;
                try {
                    answered.put(c.createOk(flash("\"prompt\":\"" + prompt + "\"")), prompt);
                } catch (UncheckedIOException noAnswer) {
                    dropped++;
                }
            }
            Map<String, String> tasks = sandbox.promptsByTaskId();
            assertTrue(dropped > 0, "seed 11 drops some of 20 creates");
            assertEquals(20, tasks.size(), "every create made a task, answered or not: " + tasks);
            answered.forEach((taskId, prompt) -> assertEquals(prompt, tasks.get(taskId), taskId));
            Map<String, Integer> byPrompt = new java.util.HashMap<>();
            tasks.values().forEach(prompt -> byPrompt.merge(prompt, 1, Integer::sum));
            assertEquals(sandbox.stats().createsByPrompt(), byPrompt);
        }
    }

    /** @param dropped prompts whose create saw no answer */
    private record DropRun(Set<String> dropped, SandboxStats stats) {
    }

    private static DropRun drops(SandboxSettings settings, int creates) {
        try (SandboxProvider sandbox = SandboxProvider.start(settings)) {
            LiangXinClient c = new LiangXinClient(sandbox.baseUrl());
            Set<String> dropped = new HashSet<>();
            for (int i = 0; i < creates; i++) {
                String prompt = "prompt number " + i;
                try {
                    c.createOk(flash("\"prompt\":\"" + prompt + "\""));
                } catch (UncheckedIOException noAnswer) {
                    dropped.add(prompt);
                }
            }
            return new DropRun(dropped, sandbox.stats());
        }
    }

    // ---- cut downloads ----

    @Test
    void aCutDownloadSendsTheFullContentLengthThenTheFirstHalfOfTheBodyThenCloses() throws Exception {
        try (SandboxProvider sandbox = SandboxProvider.start(fast().withSeed(8).withDownloadCutRate(0.5))) {
            LiangXinClient c = new LiangXinClient(sandbox.baseUrl());
            String taskId = c.createOk(flash("\"prompt\":\"half a picture\""));
            awaitSuccess(c, taskId);
            RawAnswer whole = null;
            RawAnswer cut = null;
            for (int i = 0; i < 40 && (whole == null || cut == null); i++) {
                RawAnswer answer = rawGet(sandbox.baseUrl(), "/files/" + taskId + ".png");
                assertTrue(answer.head().startsWith("http/1.1 200"), answer::head);
                if (answer.body().length == answer.contentLength()) {
                    whole = answer;
                } else {
                    cut = answer;
                }
            }
            assertTrue(whole != null && cut != null, "40 downloads at a cut rate of 0.5 gave no whole and cut pair");
            assertEquals(whole.contentLength(), cut.contentLength(), "a cut answer declares the whole length");
            assertEquals(whole.body().length / 2, cut.body().length, "half the body, then the connection closed");
            assertArrayEquals(Arrays.copyOf(whole.body(), cut.body().length), cut.body(), "the first half, unchanged");
            SandboxStats stats = sandbox.stats();
            assertTrue(stats.cutDownloads() >= 1 && stats.downloads() >= 1, stats::toString);
        }
    }

    // ---- refused result files ----

    @Test
    void aTaskWhoseResultIsForbiddenIsRefused403OnEveryDownloadAndOthersAreServed() throws Exception {
        try (SandboxProvider sandbox = SandboxProvider.start(fast().withSeed(5).withForbiddenResultRate(0.5))) {
            LiangXinClient c = new LiangXinClient(sandbox.baseUrl());
            int forbidden = 0;
            int served = 0;
            for (int i = 0; i < 12; i++) {
                String taskId = c.createOk(flash("\"prompt\":\"picture " + i + "\""));
                awaitSuccess(c, taskId);
                String first = rawGet(sandbox.baseUrl(), "/files/" + taskId + ".png").head();
                // the same answer on every download of the task: a refused URL stays refused
                for (int again = 0; again < 3; again++) {
                    assertEquals(first.substring(0, 12),
                            rawGet(sandbox.baseUrl(), "/files/" + taskId + ".png").head().substring(0, 12));
                }
                if (first.startsWith("http/1.1 403")) {
                    forbidden++;
                } else {
                    assertTrue(first.startsWith("http/1.1 200"), first);
                    served++;
                }
            }
            assertTrue(forbidden > 0 && served > 0, forbidden + " refused, " + served + " served of 12 at 0.5");
        }
    }

    @Test
    void cutDownloadsAreCountedApartFromServedFiles() throws Exception {
        try (SandboxProvider sandbox = SandboxProvider.start(fast().withDownloadCutRate(1.0))) {
            LiangXinClient c = new LiangXinClient(sandbox.baseUrl());
            String taskId = c.createOk(flash("\"prompt\":\"always half\""));
            awaitSuccess(c, taskId);
            for (int i = 0; i < 3; i++) {
                RawAnswer answer = rawGet(sandbox.baseUrl(), "/files/" + taskId + ".png");
                assertTrue(answer.body().length < answer.contentLength(), "download " + i + " was whole");
            }
            // an unknown file is a 404, answered in full: only images are cut
            assertTrue(rawGet(sandbox.baseUrl(), "/files/none.png").head().startsWith("http/1.1 404"));
            SandboxStats stats = sandbox.stats();
            assertEquals(3, stats.cutDownloads());
            assertEquals(0, stats.downloads(), "a cut download is not a served file");
        }
    }

    @Test
    void imageBatchsDownloaderRefusesACutDownloadAndStoresNothing(@TempDir Path dir) throws Exception {
        try (SandboxProvider sandbox = SandboxProvider.start(fast().withDownloadCutRate(1.0))) {
            LiangXinClient c = new LiangXinClient(sandbox.baseUrl());
            String taskId = c.createOk(flash("\"prompt\":\"never whole\""));
            awaitSuccess(c, taskId);
            ImageDownloader downloader = new ImageDownloader(DownloadProperties.defaults()
                    .withAllowPrivateNetworks(true));
            FileOutputStore store = new FileOutputStore(OutputLocation.parse("file:" + dir.resolve("out")));
            URI url = URI.create(sandbox.baseUrl() + "/files/" + taskId + ".png");
            DownloadException e = assertThrows(DownloadException.class,
                    () -> downloader.download(url, store, "batch/row-1"));
            assertTrue(e.retryable(), e::toString);
            // refused for the cut itself, not after waiting for the rest of the body (no read timeout)
            assertTrue(e.getMessage().contains("cut short") && !e.getMessage().contains("timed out"), e::toString);
            try (Stream<Path> files = Files.walk(dir)) {
                assertEquals(List.of(), files.filter(Files::isRegularFile).toList(), "nothing stored, nothing left");
            }
        }
    }

    @Test
    void cutsAreAFractionOfDownloadsAndTheSameSeedCutsTheSameOnes(@TempDir Path dir) throws Exception {
        SandboxSettings settings = fast().withSeed(21).withDownloadCutRate(0.3);
        List<Boolean> first = cuts(settings, 40, dir.resolve("a"));
        List<Boolean> second = cuts(settings, 40, dir.resolve("b"));
        assertEquals(first, second, "the same seed and request order must cut the same downloads");
        long cut = first.stream().filter(b -> b).count();
        assertTrue(cut >= 4 && cut <= 22, "cut " + cut + " of 40 at a rate of 0.3");
    }

    /**
     * Downloads one task's image {@code downloads} times with ImageBatch's downloader.
     *
     * @return per download, true when it was cut (it failed); every download that succeeded stored the image
     */
    private static List<Boolean> cuts(SandboxSettings settings, int downloads, Path dir) throws Exception {
        try (SandboxProvider sandbox = SandboxProvider.start(settings)) {
            LiangXinClient c = new LiangXinClient(sandbox.baseUrl());
            String taskId = c.createOk(flash("\"prompt\":\"sometimes whole\""));
            awaitSuccess(c, taskId);
            ImageDownloader downloader = new ImageDownloader(DownloadProperties.defaults()
                    .withAllowPrivateNetworks(true));
            FileOutputStore store = new FileOutputStore(OutputLocation.parse("file:" + dir));
            URI url = URI.create(sandbox.baseUrl() + "/files/" + taskId + ".png");
            List<Boolean> cut = new ArrayList<>();
            Set<String> hashes = new HashSet<>();
            for (int i = 0; i < downloads; i++) {
                try {
                    StoredImage image = downloader.download(url, store, "batch/row-" + i);
                    hashes.add(image.sha256());
                    cut.add(false);
                } catch (DownloadException e) {
                    assertTrue(e.retryable(), e::toString);
                    cut.add(true);
                }
            }
            SandboxStats stats = sandbox.stats();
            assertEquals(cut.stream().filter(b -> b).count(), stats.cutDownloads());
            assertEquals(cut.stream().filter(b -> !b).count(), stats.downloads());
            assertTrue(hashes.size() <= 1, "every stored copy is the same whole image");
            try (Stream<Path> files = Files.walk(dir)) {
                Set<String> names = files.filter(Files::isRegularFile).map(p -> p.getFileName().toString())
                        .collect(Collectors.toSet());
                Set<String> expected = new HashSet<>();
                for (int i = 0; i < downloads; i++) {
                    if (!cut.get(i)) {
                        expected.add("row-" + i + ".png");
                    }
                }
                assertEquals(expected, names, "only whole images, no partial or temporary files");
            }
            return cut;
        }
    }

    // ---- helpers ----

    private static void awaitSuccess(LiangXinClient c, String taskId) throws InterruptedException {
        try {
            await("task " + taskId + " succeeded").atMost(TIMEOUT).pollDelay(Duration.ZERO)
                    .pollInterval(Duration.ofMillis(10)).pollInSameThread().until(() -> {
                        Answer answer = c.recordInfo(taskId);
                        return answer.status() == 200
                                && "success".equals(answer.json().path("data").path("state").asString());
                    });
        } catch (ConditionTimeoutException e) {
            throw new AssertionError("task " + taskId + " did not succeed in " + TIMEOUT, e);
        }
    }

    /**
     * One HTTP/1.1 answer read off a raw socket until the server closed the connection.
     *
     * @param head          status line and headers, lower case
     * @param contentLength the declared {@code Content-Length}, -1 when absent
     * @param body          the bytes after the headers
     */
    private record RawAnswer(String head, long contentLength, byte[] body) {
    }

    /** GET with {@code Connection: close}, so that the server ends the exchange by closing. */
    private static RawAnswer rawGet(URI baseUrl, String path) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", baseUrl.getPort())) {
            socket.setSoTimeout(5000);
            socket.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            byte[] received = readUntilClosed(socket.getInputStream());
            String text = new String(received, StandardCharsets.ISO_8859_1);
            int headerEnd = text.indexOf("\r\n\r\n");
            assertTrue(headerEnd > 0, "no header block in " + text);
            String head = text.substring(0, headerEnd).toLowerCase(Locale.ROOT);
            long length = head.lines().filter(l -> l.startsWith("content-length:"))
                    .mapToLong(l -> Long.parseLong(l.substring("content-length:".length()).trim()))
                    .findFirst().orElse(-1);
            return new RawAnswer(head, length, Arrays.copyOfRange(received, headerEnd + 4, received.length));
        }
    }

    private static byte[] readUntilClosed(InputStream in) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        byte[] buffer = new byte[8192];
        try {
            int n;
            while ((n = in.read(buffer)) >= 0) {
                bytes.write(buffer, 0, n);
            }
        } catch (java.net.SocketException reset) {
            // a reset after the last byte is a close too
        }
        return bytes.toByteArray();
    }
}
