package io.imagebatch.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.imagebatch.testsupport.CliRun;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A whole batch against a hostile LiangXin provider (a scripted loopback server speaking the LiangXin protocol):
 * for some rows it drips the status answer a byte at a time, sends one that never ends, or echoes the API key in
 * {@code failMsg}; the other rows are normal. The batch ends on its own within its short task deadline, exit 0:
 * good rows stored, hostile rows FAILED with their reasons, and the key nowhere on disk.
 */
class HostileProviderEndToEndTest {

    private static final String KEY = "lx-live-key-0123456789abcdef";

    @TempDir
    Path dir;

    private HttpServer server;
    private final ExecutorService handlers = Executors.newCachedThreadPool();
    private final AtomicInteger tasks = new AtomicInteger();
    /** taskId to behaviour: normal, drip, endless, echo. */
    private final Map<String, String> behaviour = new ConcurrentHashMap<>();
    private byte[] png;

    @BeforeEach
    void startProvider() throws IOException {
        BufferedImage image = new BufferedImage(8, 8, BufferedImage.TYPE_INT_RGB);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ImageIO.write(image, "png", bytes);
        png = bytes.toByteArray();
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(handlers); // a dripping answer must not hold up the others
        server.createContext("/", exchange -> {
            try (exchange) {
                route(exchange);
            } catch (IOException | InterruptedException e) {
                // the client hung up: a cut call
            }
        });
        server.start();
    }

    @AfterEach
    void stopProvider() {
        server.stop(0);
        handlers.shutdownNow();
    }

    private String base() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    private void route(HttpExchange exchange) throws IOException, InterruptedException {
        String path = exchange.getRequestURI().getPath();
        if (path.equals("/api/v1/jobs/createTask")) {
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            String kind = Stream.of("drip", "endless", "echo").filter(body::contains).findFirst().orElse("normal");
            String taskId = "task-" + kind + "-" + tasks.incrementAndGet();
            behaviour.put(taskId, kind);
            json(exchange, "{\"code\":200,\"msg\":\"success\",\"data\":{\"taskId\":\"" + taskId + "\"}}");
        } else if (path.equals("/api/v1/jobs/recordInfo")) {
            String taskId = exchange.getRequestURI().getQuery().replace("taskId=", "");
            switch (behaviour.getOrDefault(taskId, "normal")) {
                case "drip" -> {
                    exchange.sendResponseHeaders(200, 0);
                    OutputStream out = exchange.getResponseBody();
                    byte[] answer = ("{\"code\":200,\"msg\":\"success\",\"data\":{\"taskId\":\"" + taskId
                            + "\",\"state\":\"success\"}}").getBytes(StandardCharsets.UTF_8);
                    for (int i = 0; ; i = (i + 1) % answer.length) {
                        out.write(answer[i]);
                        out.flush();
                        Thread.sleep(500);
                    }
                }
                case "endless" -> {
                    exchange.sendResponseHeaders(200, 0);
                    OutputStream out = exchange.getResponseBody();
                    out.write(("{\"code\":200,\"data\":{\"taskId\":\"" + taskId + "\",\"x\":[")
                            .getBytes(StandardCharsets.UTF_8));
                    byte[] chunk = "1234567890,".repeat(6000).getBytes(StandardCharsets.UTF_8);
                    while (true) {
                        out.write(chunk);
                    }
                }
                case "echo" -> json(exchange, "{\"code\":200,\"msg\":\"success\",\"data\":{\"taskId\":\"" + taskId
                        + "\",\"state\":\"fail\",\"failCode\":\"AUTH_" + KEY + "\",\"failMsg\":\"upstream said: "
                        + "header Authorization: Bearer " + KEY + " is not allowed\"}}");
                default -> json(exchange, "{\"code\":200,\"msg\":\"success\",\"data\":{\"taskId\":\"" + taskId
                        + "\",\"state\":\"success\",\"costTime\":1000,\"resultJson\":\"{\\\"resultUrls\\\":[\\\""
                        + base() + "/images/" + taskId + ".png\\\"]}\"}}");
            }
        } else if (path.startsWith("/images/")) {
            exchange.getResponseHeaders().add("Content-Type", "image/png");
            exchange.sendResponseHeaders(200, png.length);
            exchange.getResponseBody().write(png);
        } else {
            exchange.sendResponseHeaders(404, -1);
        }
    }

    private static void json(HttpExchange exchange, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.sendResponseHeaders(200, bytes.length);
        exchange.getResponseBody().write(bytes);
    }

    @Test
    void aBatchAgainstAHostileProviderEndsOnItsOwnWithTheGoodRowsStoredAndTheKeyNowhereOnDisk() throws Exception {
        Path catalogue = Files.writeString(dir.resolve("hostile.csv"), String.join("\n",
                "id,prompt",
                "good1,a red chair in a bright room",
                "drip1,a drip of paint on a lamp",
                "good2,a blue lamp on a desk",
                "endless1,an endless staircase",
                "echo1,an echo in a canyon",
                ""), StandardCharsets.UTF_8);
        Path out = dir.resolve("out");

        // far beyond the 6 s task deadline: a batch that does not end on its own fails here
        CliRun run = assertTimeoutPreemptively(Duration.ofMinutes(3), () -> CliRun.run(dir,
                "--catalogue", catalogue.toString(), "--provider", "liangxin", "--output", "file:" + out,
                "--name", "hostile",
                "--imagebatch.providers.liangxin.base-url=" + base(),
                "--imagebatch.providers.liangxin.api-key=" + KEY,
                "--imagebatch.job.task-deadline=6s",
                "--imagebatch.http.max-answer-bytes=256KB",
                "--imagebatch.download.allow-private-networks=true"));

        assertThat(run.exitCode()).isZero();
        assertThat(run.output()).contains("COMPLETED").contains("5 rows: 2 SUCCEEDED, 0 REJECTED, 3 FAILED");
        String batchId = run.batchId();
        Path batchFolder = out.resolve(batchId);
        assertThat(batchFolder.resolve("good1.png")).exists();
        assertThat(batchFolder.resolve("good2.png")).exists();
        List<String> report = Files.readAllLines(batchFolder.resolve("report.csv"), StandardCharsets.UTF_8);
        assertThat(line(report, "drip1")).contains("FAILED", "deadline", "no whole answer");
        assertThat(line(report, "endless1")).contains("FAILED", "longer than 262144 bytes");
        assertThat(line(report, "echo1")).contains("FAILED", "Bearer ***");

        // the key nowhere on disk: not in the database file, the report files, or the output folder
        assertThat(run.output()).doesNotContain(KEY);
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                String content = new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1);
                assertThat(content).as(file.toString()).doesNotContain(KEY);
            }
        }
        assertThat(Files.exists(dir.resolve("db/imagebatch.mv.db"))).isTrue();
    }

    private static String line(List<String> report, String rowId) {
        return report.stream().filter(l -> l.contains("," + rowId + ",")).findFirst().orElseThrow();
    }
}
