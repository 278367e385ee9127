package io.imagebatch.callback;

import static org.assertj.core.api.Assertions.assertThat;

import io.imagebatch.cli.ImageBatchCli;
import io.imagebatch.sandbox.SandboxProvider;
import io.imagebatch.sandbox.SandboxSettings;
import io.imagebatch.testsupport.CliRun;
import io.imagebatch.testsupport.SampleCatalogue;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Callbacks end to end: {@code run} serves the callback endpoint while it polls; the sandbox calls back when a
 * task ends, with its state and result URL, which the run trusts (docs/design.md, Callbacks). Polling stays the
 * fallback when callbacks never arrive.
 */
class CallbackEndToEndTest {

    @TempDir
    Path work;
    private SandboxProvider sandbox;

    @BeforeEach
    void startSandbox() {
        sandbox = SandboxProvider.start(SandboxSettings.defaults()
                .withGenerationTime(Duration.ofMillis(100), Duration.ofMillis(400)));
    }

    @AfterEach
    void stopSandbox() {
        sandbox.close();
    }

    private CliRun run(int callbackPort, int serverPort, String... extra) {
        List<String> args = new ArrayList<>(SampleCatalogue.options());
        args.addAll(List.of("--output", "file:" + work.resolve("out"),
                "--imagebatch.providers.liangxin.base-url=" + sandbox.baseUrl(),
                "--imagebatch.providers.liangxin.api-key=" + SandboxProvider.API_KEY,
                "--imagebatch.download.allow-private-networks=true",
                "--imagebatch.callback.base-url=http://127.0.0.1:" + callbackPort,
                "--server.port=" + serverPort, "--server.address=127.0.0.1"));
        args.addAll(List.of(extra));
        return CliRun.run(work, args.toArray(String[]::new));
    }

    @Test
    void aTaskWhoseCallbackCarriesItsResultIsStoredWithoutAnyStatusQuery() throws IOException {
        int port = freePort();
        // polling alone would first look after 60 s: only the callbacks can finish this batch quickly
        CliRun run = run(port, port, "--imagebatch.job.poll-early=60s", "--imagebatch.job.poll-middle=60s",
                // no task is overdue while this test runs, however slowly its callbacks arrive: none is polled
                "--imagebatch.callback.overdue-grace=60s");

        assertThat(run.exitCode()).isEqualTo(ImageBatchCli.COMPLETED);
        assertThat(run.output()).contains("40 SUCCEEDED, 5 REJECTED, 0 FAILED, 0 UNCERTAIN");
        assertThat(sandbox.stats().creates()).isEqualTo(SampleCatalogue.VALID);
        // the callbacks' state and result URL were trusted: not one status query
        assertThat(sandbox.stats().statusQueries()).isZero();
        assertThat(sandbox.stats().downloads()).isGreaterThanOrEqualTo(SampleCatalogue.VALID);
        try (var files = Files.list(work.resolve("out").resolve(run.batchId()))) {
            assertThat(files.filter(f -> f.toString().endsWith(".png")).count()).isEqualTo(SampleCatalogue.VALID);
        }
    }

    @Test
    void aBatchThatLosesSomeCallbacksQueriesTheTasksWhoseCallbackNeverCame() throws IOException {
        sandbox.close();
        sandbox = SandboxProvider.start(SandboxSettings.defaults().withSeed(7).withLostCallbackRate(0.25)
                .withGenerationTime(Duration.ofMillis(100), Duration.ofMillis(400)));
        int port = freePort();
        // before 10 generation times are known, a task is polled after 2 s; then once overdue by those seen
        CliRun run = run(port, port, "--imagebatch.job.poll-callback-fallback=2s");

        assertThat(run.exitCode()).isEqualTo(ImageBatchCli.COMPLETED);
        assertThat(run.output()).contains("40 SUCCEEDED, 5 REJECTED, 0 FAILED, 0 UNCERTAIN");
        assertThat(sandbox.lostCallbacks()).isPositive();
        // a task whose callback was lost can only be learnt by a status query
        assertThat(sandbox.stats().statusQueries()).isGreaterThanOrEqualTo(sandbox.lostCallbacks());
        try (var files = Files.list(work.resolve("out").resolve(run.batchId()))) {
            assertThat(files.filter(f -> f.toString().endsWith(".png")).count()).isEqualTo(SampleCatalogue.VALID);
        }
    }

    @Test
    void aBatchWhoseCallbacksAreAllLostStillCompletesByPolling() throws IOException {
        int lost = freePort(); // nothing listens there: every callback is lost
        CliRun run = run(lost, freePort(), "--imagebatch.job.poll-early=100ms",
                "--imagebatch.job.poll-callback-fallback=500ms");

        assertThat(run.exitCode()).isEqualTo(ImageBatchCli.COMPLETED);
        assertThat(run.output()).contains("40 SUCCEEDED, 5 REJECTED, 0 FAILED, 0 UNCERTAIN");
        assertThat(sandbox.stats().creates()).isEqualTo(SampleCatalogue.VALID);
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
