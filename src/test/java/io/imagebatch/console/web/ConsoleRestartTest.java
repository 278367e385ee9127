package io.imagebatch.console.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.jayway.jsonpath.JsonPath;
import io.imagebatch.cli.ImageBatchCli;
import io.imagebatch.job.ImageProductionJobConfiguration;
import io.imagebatch.job.PipelineSteps;
import io.imagebatch.sandbox.SandboxProvider;
import io.imagebatch.sandbox.SandboxSettings;
import io.imagebatch.serve.RunningServe;
import io.imagebatch.testsupport.CliRun;
import io.imagebatch.testsupport.SampleCatalogue;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.security.crypto.bcrypt.BCryptPasswordEncoder;

/**
 * A batch started from the console survives a restart of {@code serve}: stopped with serve (as by SIGTERM), it is
 * resumed by the next serve on the same database without anyone pressing Resume, and no row is created twice.
 * Real HTTP to the sandbox provider, real H2 file database.
 */
class ConsoleRestartTest {

    private static final String PASSWORD = "restart-pass";

    @TempDir
    Path work;
    private SandboxProvider sandbox;
    private final List<RunningServe> serves = new ArrayList<>();
    private String hash;

    @AfterEach
    void stopEverything() {
        serves.forEach(RunningServe::close);
        if (sandbox != null) {
            sandbox.close();
        }
    }

    private RunningServe serve(Path jobs) {
        List<String> args = new ArrayList<>(List.of("--jobs", jobs.toString(), "--server.port=0",
                "--imagebatch.providers.liangxin.base-url=" + sandbox.baseUrl(),
                "--imagebatch.providers.liangxin.api-key=" + SandboxProvider.API_KEY,
                "--imagebatch.download.allow-private-networks=true",
                "--imagebatch.job.poll-early=100ms", "--imagebatch.job.poll-middle=200ms",
                "--imagebatch.job.retry-initial-delay=50ms", "--imagebatch.job.retry-max-delay=200ms",
                "--imagebatch.job.create-attempts=2", "--imagebatch.job.progress-interval=1s",
                "--imagebatch.serve.stop-timeout=15s",
                "--imagebatch.console.upload-dir=" + work.resolve("uploads"),
                "--imagebatch.console.users[0].name=alice",
                "--imagebatch.console.users[0].password-hash=" + hash,
                "--imagebatch.console.users[0].roles=SUBMITTER",
                "--imagebatch.console.users[0].team=red"));
        args.addAll(CliRun.database(work));
        RunningServe serve = ImageBatchCli.startServe(args, System.out);
        serves.add(serve);
        return serve;
    }

    private static boolean submitStepCompleted(RunningServe serve) {
        return serve.context().getBean(JobRepository.class)
                .findRunningJobExecutions(ImageProductionJobConfiguration.JOB_NAME).stream()
                .flatMap(execution -> execution.getStepExecutions().stream())
                .anyMatch(step -> step.getStepName().equals(PipelineSteps.SUBMIT)
                        && step.getStatus() == BatchStatus.COMPLETED);
    }

    @Test
    void aConsoleBatchStoppedWithServeIsResumedByTheNextServeWithoutSendingARowTwice() throws Exception {
        sandbox = SandboxProvider.start(SandboxSettings.defaults()
                .withGenerationTime(Duration.ofMillis(200), Duration.ofMillis(800)));
        hash = new BCryptPasswordEncoder(4).encode(PASSWORD);
        Path jobs = Files.createDirectories(work.resolve("jobs"));
        Files.writeString(jobs.resolve("demo.yml"), """
                name: demo
                catalogue: %s
                provider: liangxin
                columns: { id: sku }
                prompt-template: "%s"
                defaults: { aspect-ratio: "1:1", resolution: 1K }
                """.formatted(SampleCatalogue.FILE.toAbsolutePath(), SampleCatalogue.TEMPLATE));
        RunningServe first = serve(jobs);
        ConsoleApiClient api = new ConsoleApiClient(first.port());
        HttpResponse<String> created = api.upload("alice", PASSWORD, "/api/batches", "catalogue.csv",
                Files.readAllBytes(SampleCatalogue.FILE), List.of(Map.entry("job", "demo"),
                        Map.entry("output", "file:" + work.resolve("out")), Map.entry("start", "true")));
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        String id = JsonPath.read(created.body(), "$.id");

        // every task created; then the provider answers nothing useful, so the batch waits in its poll step
        await().atMost(Duration.ofSeconds(60)).until(() -> sandbox.stats().creates() == SampleCatalogue.VALID);
        sandbox.failEveryRequestWith(503);
        await().atMost(Duration.ofSeconds(30)).until(() -> submitStepCompleted(first));
        first.stop();
        serves.remove(first);
        CliRun status = CliRun.command(work, "status", id);
        assertThat(status.output()).contains("last run: " + BatchStatus.STOPPED).contains("can be resumed: yes");

        sandbox.failEveryRequestWith(0);
        RunningServe second = serve(jobs);
        ConsoleApiClient again = new ConsoleApiClient(second.port());
        String done = await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(200)).until(
                () -> again.get("alice", PASSWORD, "/api/batches/" + id).body(),
                body -> body.contains("\"status\":\"COMPLETED\""));
        assertThat(JsonPath.<Integer>read(done, "$.counts.STORED")).isEqualTo(SampleCatalogue.VALID);
        assertThat(sandbox.stats().creates()).isEqualTo(SampleCatalogue.VALID);
        assertThat(sandbox.stats().createsByPrompt()).allSatisfy((prompt, n) -> assertThat(n).isEqualTo(1));
    }
}
