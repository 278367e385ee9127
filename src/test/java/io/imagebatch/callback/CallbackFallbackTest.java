package io.imagebatch.callback;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.imagebatch.catalogue.CatalogueFormat;
import io.imagebatch.job.BatchSettings;
import io.imagebatch.job.BatchSettingsStore;
import io.imagebatch.job.JobProperties;
import io.imagebatch.job.PollSchedule;
import io.imagebatch.job.ResultDownloader;
import io.imagebatch.job.TaskPoller;
import io.imagebatch.ledger.BatchRegistry;
import io.imagebatch.ledger.LedgerEntry;
import io.imagebatch.ledger.RowState;
import io.imagebatch.ledger.TaskLedger;
import io.imagebatch.provider.ImageRequest;
import io.imagebatch.provider.ProviderRegistry;
import io.imagebatch.provider.RequestDefaults;
import io.imagebatch.sandbox.SandboxProvider;
import io.imagebatch.sandbox.SandboxSettings;
import io.imagebatch.storage.DownloadProperties;
import io.imagebatch.storage.FileOutputStore;
import io.imagebatch.storage.ImageDownloader;
import io.imagebatch.storage.OutputLocation;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * When a trusted callback is not enough (docs/design.md, Callbacks): a callback whose result URL cannot be
 * fetched, or that carries no URL, still ends with the image stored, through a status query, over real HTTP to
 * the sandbox and the callback endpoint, on a real H2 ledger. The test plays the provider's callback for tasks
 * the sandbox made (their create sent no callback URL, so the sandbox itself calls nobody back).
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class CallbackFallbackTest {

    @TempDir
    static Path work;
    /** Tasks end at once, so that a status query made at any moment finds them succeeded. */
    private static final SandboxProvider SANDBOX = SandboxProvider.start(SandboxSettings.defaults().withSeed(11)
            .withGenerationTime(Duration.ZERO, Duration.ZERO));

    @DynamicPropertySource
    static void settings(DynamicPropertyRegistry registry) {
        registry.add("spring.datasource.url", () -> "jdbc:h2:file:" + work.resolve("db/fallback").toAbsolutePath());
        registry.add("imagebatch.providers.liangxin.base-url", () -> SANDBOX.baseUrl().toString());
        registry.add("imagebatch.providers.liangxin.api-key", () -> SandboxProvider.API_KEY);
        registry.add("imagebatch.callback.base-url", () -> "http://127.0.0.1:1");
    }

    @AfterAll
    static void stopSandbox() {
        SANDBOX.close();
    }

    @LocalServerPort
    int port;
    @Autowired
    TaskLedger ledger;
    @Autowired
    BatchRegistry registry;
    @Autowired
    BatchSettingsStore batches;
    @Autowired
    ProviderRegistry providers;
    @Autowired
    CallbackProperties callbackProperties;

    private final HttpClient http = HttpClient.newHttpClient();
    private final Clock clock = Clock.systemUTC();
    /** Retries after 20 ms, so that a failed download's three attempts take well under a second. */
    private final JobProperties properties = new Binder(new MapConfigurationPropertySource(
            Map.of("imagebatch.job.retry-initial-delay", "20ms", "imagebatch.job.retry-max-delay", "40ms")))
            .bindOrCreate("imagebatch.job", JobProperties.class);
    private String batchId;
    private String token;
    private String taskId;
    private int queriesBefore;

    @BeforeEach
    void aBatchRunningHereWithOneFinishedTask() {
        batchId = batches.save(new BatchSettings("fb" + System.nanoTime(), "/x.csv", "00", 1,
                CatalogueFormat.defaults(), "liangxin", null, RequestDefaults.none(), "file:out"));
        token = registry.callbackToken(batchId);
        registry.takeFence(batchId, "pid 1 on test");
        taskId = providers.find("liangxin").orElseThrow().createTask(new ImageRequest("liangxin",
                "nano-banana-pro-flash", "a lamp on a desk", "1:1", "1K", "png", List.of()), null);
        long far = clock.millis() + 3_600_000;
        ledger.insertIntent(batchId, 1, "A1", "liangxin", "nano-banana-pro-flash", "a lamp on a desk", "{}");
        ledger.markSubmitted(batchId, 1, taskId, clock.millis(), far, far);
        queriesBefore = SANDBOX.stats().statusQueries();
    }

    @AfterEach
    void release() {
        registry.releaseFence(batchId);
    }

    private void callback(String resultJson) throws Exception {
        String body = "{\"code\":200,\"msg\":\"success\",\"data\":{\"taskId\":\"" + taskId + "\",\"state\":\"success\","
                + "\"resultJson\":\"" + resultJson.replace("\"", "\\\"") + "\"}}";
        int status = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/callbacks/liangxin/"
                        + batchId + "/" + token)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.discarding())
                .statusCode();
        assertThat(status).isEqualTo(204);
    }

    private LedgerEntry row() {
        return ledger.find(batchId, 1).orElseThrow();
    }

    /** Runs the poll step's and the download step's row actions on what is due, until the row is stored. */
    private void pollAndDownloadUntilStored() throws Exception {
        TaskPoller poller = new TaskPoller(batchId, providers, ledger, properties, clock,
                new PollSchedule(properties, callbackProperties), callbackProperties);
        try (FileOutputStore store = new FileOutputStore(OutputLocation.parse("file:" + work.resolve("out")));
                ResultDownloader downloader = new ResultDownloader(batchId, ledger, providers,
                        new ImageDownloader(DownloadProperties.defaults().withAllowPrivateNetworks(true)), store,
                        properties, clock)) {
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(20)).until(() -> {
                poller.due(clock.millis(), 10).forEach(poller::run);
                downloader.due(clock.millis(), 10).forEach(downloader::run);
                return row().state() == RowState.STORED || row().state() == RowState.FAILED;
            });
        }
    }

    @Test
    void aCallbackWhoseResultUrlCannotBeFetchedFallsBackToAFreshStatusQueryAndTheImageIsStored() throws Exception {
        callback("{\"resultUrls\":[\"" + SANDBOX.baseUrl() + "/files/no-such-task.png\"]}");
        assertThat(row().state()).as("the callback's state was trusted").isEqualTo(RowState.GENERATED);
        assertThat(SANDBOX.stats().statusQueries()).isEqualTo(queriesBefore);

        pollAndDownloadUntilStored();

        LedgerEntry stored = row();
        assertThat(stored.state()).isEqualTo(RowState.STORED);
        assertThat(stored.sha256()).matches("[0-9a-f]{64}");
        assertThat(stored.urlRefreshes()).isEqualTo(1);
        assertThat(stored.resultUrl()).isEqualTo(SANDBOX.baseUrl() + "/files/" + taskId + ".png");
        assertThat(SANDBOX.stats().statusQueries()).as("one status query, for a fresh URL")
                .isEqualTo(queriesBefore + 1);
    }

    @Test
    void aCallbackWithoutAResultUrlFallsBackToAStatusQueryAndTheImageIsStored() throws Exception {
        callback("{\"resultUrls\":[]}");
        assertThat(row().state()).isEqualTo(RowState.SUBMITTED);

        pollAndDownloadUntilStored();

        assertThat(row().state()).isEqualTo(RowState.STORED);
        assertThat(row().sha256()).matches("[0-9a-f]{64}");
        assertThat(SANDBOX.stats().statusQueries()).isEqualTo(queriesBefore + 1);
    }
}
