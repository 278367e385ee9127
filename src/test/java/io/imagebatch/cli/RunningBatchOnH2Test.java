package io.imagebatch.cli;

import org.awaitility.core.ConditionTimeoutException;
import static org.awaitility.Awaitility.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.imagebatch.app.BatchSettingsResolver;
import io.imagebatch.app.RunOptions;
import io.imagebatch.sandbox.SandboxProvider;
import io.imagebatch.sandbox.SandboxSettings;
import io.imagebatch.testsupport.CliRun;
import io.imagebatch.testsupport.SampleCatalogue;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * On the default database (an H2 file, which H2 opens in one process only), a batch running in one process is
 * reached from another: {@code status} answers, {@code stop} stops it (STOPPED, resumable), a second {@code run}
 * says in one line who runs it and exits 1; and a process killed with SIGKILL leaves nothing in the way. The
 * running process is a real child JVM ({@link H2Sharing}).
 */
class RunningBatchOnH2Test {

    @TempDir
    Path work;

    @Test
    void statusStopAndASecondRunReachABatchRunningInAnotherProcessOnTheDefaultH2Database() throws Exception {
        try (SandboxProvider sandbox = SandboxProvider.start(SandboxSettings.defaults().withFailureRate(0)
                .withGenerationTime(Duration.ofMillis(500), Duration.ofMillis(1500)))) {
            List<String> args = runArgs(sandbox);
            String batchId = BatchSettingsResolver.resolve(RunOptions.parse(args), null).batchId();
            Process child = startChild(args, "--imagebatch.providers.liangxin.requests-per-second=1");
            try {
                awaitUntil(() -> sandbox.stats().creates() >= 2 || !child.isAlive());
                assertThat(child.isAlive()).as("the child run is running").isTrue();

                CliRun status = CliRun.command(work, "status", batchId);
                assertThat(status.exitCode()).isEqualTo(ImageBatchCli.COMPLETED);
                assertThat(status.output()).contains("Batch " + batchId).contains("last run: STARTED");

                List<String> second = new ArrayList<>(args);
                second.add("--imagebatch.lock.ttl=3s"); // gives up 5 s after it found the batch held
                CliRun again = CliRun.run(work, second.toArray(String[]::new));
                assertThat(again.exitCode()).isEqualTo(ImageBatchCli.FAILED);
                assertThat(again.output()).contains("Batch " + batchId + " is running in pid " + child.pid() + " on ")
                        .contains(" since ").contains("; nothing was started here.")
                        .doesNotContain("Exception").doesNotContain("\tat ");

                CliRun stop = CliRun.command(work, "stop", batchId);
                assertThat(stop.exitCode()).isEqualTo(ImageBatchCli.COMPLETED);
                assertThat(stop.output()).contains("Stop requested for batch " + batchId);

                assertThat(child.waitFor(120, TimeUnit.SECONDS)).isTrue();
                String childOutput = Files.readString(work.resolve("child.log"), StandardCharsets.UTF_8);
                assertThat(childOutput).contains("Batch " + batchId + " STOPPED");
                assertThat(child.exitValue()).isEqualTo(ImageBatchCli.FAILED);
            } finally {
                child.destroyForcibly();
            }
            assertThat(CliRun.run(work, args.toArray(String[]::new)).exitCode()).isEqualTo(ImageBatchCli.COMPLETED);
        }
    }

    @Test
    void aRunKilledWithSigkillWhileServingItsDatabaseLeavesItToTheNextCommand() throws Exception {
        try (SandboxProvider sandbox = SandboxProvider.start(SandboxSettings.defaults().withFailureRate(0)
                .withGenerationTime(Duration.ofMillis(500), Duration.ofMillis(1500)))) {
            List<String> args = runArgs(sandbox);
            String batchId = BatchSettingsResolver.resolve(RunOptions.parse(args), null).batchId();
            Process child = startChild(args, "--imagebatch.providers.liangxin.requests-per-second=1");
            try {
                awaitUntil(() -> sandbox.stats().creates() >= 2 || !child.isAlive());
                assertThat(child.isAlive()).isTrue();
                assertThat(Files.exists(work.resolve("db/imagebatch" + H2Sharing.ANNOUNCEMENT_SUFFIX))).isTrue();
            } finally {
                child.destroyForcibly(); // SIGKILL
                child.waitFor(60, TimeUnit.SECONDS);
            }

            CliRun status = CliRun.command(work, "status", batchId);
            assertThat(status.exitCode()).isEqualTo(ImageBatchCli.COMPLETED);
            assertThat(status.output()).contains("Batch " + batchId);
            CliRun resumed = CliRun.run(work, args.toArray(String[]::new));
            assertThat(resumed.exitCode()).isEqualTo(ImageBatchCli.COMPLETED);
            assertThat(sandbox.stats().createsByPrompt().values()).allMatch(n -> n == 1);
        }
    }

    @Test
    void aCommandThatFindsTheH2FileOpenInAProcessThatDoesNotServeItExitsWithOneLineAndCode1() throws Exception {
        // an H2 shell of another program holds the database file open, waiting for input
        Process shell = new ProcessBuilder(ProcessHandle.current().info().command().orElse("java"), "-cp",
                System.getProperty("java.class.path"), "org.h2.tools.Shell", "-url",
                "jdbc:h2:file:" + work.resolve("db/imagebatch").toAbsolutePath(), "-user", "sa")
                .redirectErrorStream(true).redirectOutput(work.resolve("shell.log").toFile()).start();
        try {
            awaitUntil(() -> Files.exists(work.resolve("db/imagebatch.mv.db")) || !shell.isAlive());
            CliRun status = CliRun.command(work, "status");
            assertThat(status.exitCode()).isEqualTo(ImageBatchCli.FAILED);
            assertThat(status.output().strip()).isEqualTo("imagebatch: the H2 database file is in use by another"
                    + " imagebatch command right now; run this one again in a moment");
        } finally {
            shell.destroyForcibly();
            shell.waitFor(60, TimeUnit.SECONDS);
        }
    }

    private List<String> runArgs(SandboxProvider sandbox) {
        List<String> args = new ArrayList<>(SampleCatalogue.options());
        args.addAll(List.of("--output", "file:" + work.resolve("out"),
                "--imagebatch.providers.liangxin.base-url=" + sandbox.baseUrl(),
                "--imagebatch.providers.liangxin.api-key=" + SandboxProvider.API_KEY,
                "--imagebatch.download.allow-private-networks=true"));
        return args;
    }

    /** {@code run} in a JVM of its own, on the test's H2 file, its output in {@code child.log}. */
    private Process startChild(List<String> args, String... more) throws IOException {
        List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
                "-cp", System.getProperty("java.class.path"), "io.imagebatch.cli.ImageBatchCli", "run"));
        command.addAll(args);
        command.addAll(List.of(more));
        command.addAll(CliRun.database(work));
        command.addAll(List.of("--imagebatch.job.poll-early=100ms", "--imagebatch.job.poll-middle=200ms",
                "--imagebatch.job.progress-interval=1s"));
        return new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(work.resolve("child.log").toFile()).start();
    }

    private static void awaitUntil(BooleanSupplier condition) throws InterruptedException {
        try {
            await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(50)).pollInSameThread()
                    .until(condition::getAsBoolean);
        } catch (ConditionTimeoutException e) {
            throw new AssertionError("not within 90 s", e);
        }
    }
}
