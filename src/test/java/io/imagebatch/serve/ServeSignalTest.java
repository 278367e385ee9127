package io.imagebatch.serve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.imagebatch.cli.ImageBatchCli;
import io.imagebatch.sandbox.SandboxProvider;
import io.imagebatch.sandbox.SandboxSettings;
import io.imagebatch.testsupport.CliRun;
import io.imagebatch.testsupport.SampleCatalogue;
import java.util.stream.Stream;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGTERM to a real {@code serve} process (a child JVM on this test's class path) running two jobs at once:
 * each running batch finishes its current poll pass and ends STOPPED, resumable, and the process exits with
 * code 1.
 */
class ServeSignalTest {

    private static final Pattern STARTING = Pattern.compile("Starting batch ((nightly|weekly)-[0-9a-f]{12})");

    @TempDir
    Path work;

    @Test
    void sigtermStopsEveryRunningBatchResumablyAndExitsWithCodeOne() throws Exception {
        try (SandboxProvider sandbox = SandboxProvider.start(SandboxSettings.defaults()
                // no task finishes before the provider starts answering 503: both batches are running at SIGTERM
                .withGenerationTime(Duration.ofMillis(2500), Duration.ofMillis(3500)))) {
            Path jobs = Files.createDirectories(work.resolve("jobs"));
            Files.writeString(jobs.resolve("nightly.yml"), String.join("\n",
                    "name: nightly",
                    "catalogue: " + SampleCatalogue.FILE.toAbsolutePath(),
                    "output: file:" + work.resolve("out"),
                    "columns: { id: sku }",
                    "prompt-template: \"" + SampleCatalogue.TEMPLATE + "\"",
                    "defaults: { aspect-ratio: \"1:1\", resolution: 1K }",
                    "schedule: \"*/2 * * * * *\"", ""));
            Path small = Files.writeString(work.resolve("small.csv"),
                    "id,prompt\nw1,a red chair\nw2,a blue lamp\nw3,a green sofa\n");
            Files.writeString(jobs.resolve("weekly.yml"), String.join("\n",
                    "name: weekly",
                    "catalogue: " + small,
                    "output: file:" + work.resolve("out"),
                    "schedule: \"*/2 * * * * *\"", ""));
            int rows = SampleCatalogue.VALID + 3;
            Process child = new ProcessBuilder(List.of(
                    ProcessHandle.current().info().command().orElse("java"), "-cp",
                    System.getProperty("java.class.path"), ImageBatchCli.class.getName(), "serve",
                    "--jobs", jobs.toString(),
                    // as a user gives it: serve keeps H2 open under the stopping batches itself
                    "--spring.datasource.url=jdbc:h2:file:" + work.resolve("db/imagebatch").toAbsolutePath(),
                    "--server.port=0",
                    "--imagebatch.providers.liangxin.base-url=" + sandbox.baseUrl(),
                    "--imagebatch.providers.liangxin.api-key=" + SandboxProvider.API_KEY,
                    "--imagebatch.download.allow-private-networks=true",
                    "--imagebatch.job.poll-early=100ms", "--imagebatch.job.retry-max-delay=200ms"))
                    .redirectErrorStream(true).start();
            StringBuffer output = new StringBuffer();
            Thread reader = new Thread(() -> {
                try (BufferedReader lines = new BufferedReader(new InputStreamReader(child.getInputStream(),
                        StandardCharsets.UTF_8))) {
                    for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                        output.append(line).append('\n');
                        System.out.println("  | " + line);
                    }
                } catch (Exception e) {
                    // the child is gone
                }
            });
            reader.start();
            try {
                await().atMost(Duration.ofSeconds(60)).until(() -> sandbox.stats().creates() == rows);
                sandbox.failEveryRequestWith(503); // both batches stay in their poll steps
                // their submit steps commit their last chunks right after the last creates: a stop during that
                // commit can fail the step instead (Spring Batch 6's JobOperator.stop updates the running step
                // execution from the stopping thread), so stop in the poll step: once each batch's poll step
                // has had a status query refused
                await().atMost(Duration.ofSeconds(60)).until(() -> Stream.of("nightly", "weekly").allMatch(name ->
                        Pattern.compile(name + "-[0-9a-f]{12}: row \\d+ status query failed").matcher(output).find()));
                child.toHandle().destroy(); // SIGTERM (Process.destroy would close the pipe of its output)
                assertThat(child.waitFor(40, TimeUnit.SECONDS)).as("serve ended after SIGTERM").isTrue();
            } finally {
                child.destroyForcibly();
            }
            reader.join(5000);

            assertThat(child.exitValue()).as(output.toString()).isEqualTo(ImageBatchCli.FAILED);
            List<String> batchIds = STARTING.matcher(output).results().map(m -> m.group(1)).distinct().toList();
            assertThat(batchIds).as(output.toString()).hasSize(2);
            // the command's own hook stops the batch it knows of (the last one started), serve's hook the other
            assertThat(output.toString()).containsPattern("Stopping batch (nightly|weekly)-[0-9a-f]{12} after its"
                    + " current chunk");
            sandbox.failEveryRequestWith(0);
            for (String batchId : batchIds) {
                CliRun status = CliRun.command(work, "status", batchId);
                assertThat(status.output()).contains("last run: STOPPED").contains("can be resumed: yes");
                // the next run resumes it: no row is sent twice
                assertThat(CliRun.command(work, "restart", batchId,
                        "--imagebatch.providers.liangxin.base-url=" + sandbox.baseUrl(),
                        "--imagebatch.providers.liangxin.api-key=" + SandboxProvider.API_KEY,
                        "--imagebatch.download.allow-private-networks=true").exitCode())
                        .isEqualTo(ImageBatchCli.COMPLETED);
            }
            assertThat(sandbox.stats().creates()).isEqualTo(rows);
            assertThat(sandbox.stats().createsByPrompt()).allSatisfy((prompt, n) -> assertThat(n).isEqualTo(1));
        }
    }
}
