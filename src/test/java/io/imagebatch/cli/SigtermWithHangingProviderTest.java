package io.imagebatch.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import io.imagebatch.testsupport.CliRun;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGTERM stops a run whatever its provider does: here every status answer drips a byte every half second, for
 * ever. The provider calls in flight are cancelled, the batch ends STOPPED (resumable) and the process exits 1,
 * within the documented stop time.
 */
class SigtermWithHangingProviderTest {

    private static final String KEY = "lx-sigterm-key-0123456789";

    @TempDir
    Path dir;

    @Test
    void sigtermStopsARunWhoseStatusAnswersDripForEver() throws Exception {
        AtomicInteger statusQueries = new AtomicInteger();
        AtomicLong dripped = new AtomicLong();
        AtomicInteger tasks = new AtomicInteger();
        ExecutorService handlers = Executors.newCachedThreadPool();
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(handlers);
        server.createContext("/", exchange -> {
            try (exchange) {
                if (exchange.getRequestURI().getPath().endsWith("/createTask")) {
                    exchange.getRequestBody().readAllBytes();
                    byte[] body = ("{\"code\":200,\"msg\":\"success\",\"data\":{\"taskId\":\"t" + tasks.incrementAndGet()
                            + "\"}}").getBytes(StandardCharsets.UTF_8);
                    exchange.sendResponseHeaders(200, body.length);
                    exchange.getResponseBody().write(body);
                    return;
                }
                statusQueries.incrementAndGet();
                exchange.sendResponseHeaders(200, 0);
                OutputStream out = exchange.getResponseBody();
                while (true) {
                    out.write(' '); // JSON allows any amount of leading white space
                    out.flush();
                    dripped.incrementAndGet();
                    Thread.sleep(500);
                }
            } catch (IOException | InterruptedException e) {
                // the run hung up
            }
        });
        server.start();
        Path catalogue = Files.writeString(dir.resolve("c.csv"), "id,prompt\nr1,a red chair\nr2,a blue lamp\n");
        Path log = dir.resolve("child.log");
        Process child = new ProcessBuilder(List.of(ProcessHandle.current().info().command().orElse("java"), "-cp",
                System.getProperty("java.class.path"), ImageBatchCli.class.getName(), "run",
                "--catalogue", catalogue.toString(), "--provider", "liangxin", "--output", "file:" + dir.resolve("out"),
                "--name", "drip",
                "--spring.datasource.url=jdbc:h2:file:" + dir.resolve("db/imagebatch").toAbsolutePath(),
                "--imagebatch.providers.liangxin.base-url=http://127.0.0.1:" + server.getAddress().getPort(),
                "--imagebatch.providers.liangxin.api-key=" + KEY,
                "--imagebatch.job.poll-early=100ms"))
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        String output;
        try {
            // both status queries are in flight and dripping
            await().atMost(Duration.ofSeconds(120)).until(() -> statusQueries.get() >= 2 && dripped.get() >= 4);

            child.toHandle().destroy(); // SIGTERM

            // the documented stop time is 25 s; a run held by its provider calls is ended by force after it
            assertThat(child.waitFor(60, TimeUnit.SECONDS)).as("the run ended").isTrue();
            output = Files.readString(log);
            System.out.print(output);
            assertThat(child.exitValue()).isEqualTo(1);
            assertThat(output).contains("Stopping batch").doesNotContain("did not stop in time");
        } finally {
            child.destroyForcibly();
            server.stop(0);
            handlers.shutdownNow();
        }
        String batchId = output.lines().filter(l -> l.startsWith("Starting batch ")).findFirst().orElseThrow()
                .replaceFirst("Starting batch (\\S+):.*", "$1");
        CliRun status = CliRun.command(dir, "status", batchId);
        assertThat(status.output()).contains("last run: STOPPED");
    }
}
