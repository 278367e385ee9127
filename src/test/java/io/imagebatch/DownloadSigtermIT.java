package io.imagebatch;

import java.util.concurrent.CountDownLatch;
import org.awaitility.core.ConditionTimeoutException;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * SIGTERM while a result image drips in, on the real jar: a scripted loopback server speaks LiangXin's createTask
 * and recordInfo and serves the task's image one byte every 200 ms. The run is signalled once the download is
 * spooling; it stops within the documented time with exit code 1, and leaves no spool file and no {@code .part}
 * file behind.
 */
class DownloadSigtermIT {

    private static final Path JAR = Path.of("target", "imagebatch.jar").toAbsolutePath();
    private static final Path WORK = Path.of("target", "download-sigterm-it").toAbsolutePath();

    @Test
    void sigtermDuringADrippingDownloadStopsTheRunAndLeavesNoPartialFile() throws Exception {
        assertTrue(Files.isRegularFile(JAR), JAR + " is missing: run through Maven (verify), which packages first");
        Path dir = fresh(WORK);
        ExecutorService executor = Executors.newCachedThreadPool();
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(executor);
        server.createContext("/api/v1/jobs/createTask", exchange -> {
            exchange.getRequestBody().readAllBytes();
            json(exchange, "{\"code\":200,\"msg\":\"success\",\"data\":{\"taskId\":\"t-drip\"}}");
        });
        server.createContext("/api/v1/jobs/recordInfo", exchange -> {
            String url = "http://127.0.0.1:" + server.getAddress().getPort() + "/img/t-drip.png";
            json(exchange, "{\"code\":200,\"msg\":\"success\",\"data\":{\"taskId\":\"t-drip\",\"state\":\"success\","
                    + "\"resultJson\":\"{\\\"resultUrls\\\":[\\\"" + url + "\\\"]}\"}}");
        });
        CountDownLatch release = new CountDownLatch(1);
        server.createContext("/img/", exchange -> {
            byte[] body = new byte[1 << 20];
            new Random(1).nextBytes(body);
            // a real PNG's signature and IHDR chunk (33 bytes), then a few bytes more, and the rest is held back
            // until the test ends: the download is in flight (spooling) for as long as the test needs
            System.arraycopy(pngHead(), 0, body, 0, 33);
            try (exchange) {
                exchange.getResponseHeaders().set("Content-Type", "image/png");
                exchange.sendResponseHeaders(200, body.length);
                OutputStream out = exchange.getResponseBody();
                out.write(body, 0, 4096);
                out.flush();
                release.await();
            } catch (IOException | InterruptedException e) {
                // the client went away
            }
        });
        server.start();
        try {
            Path catalogue = Files.writeString(dir.resolve("catalogue.csv"), "id,prompt\nA1,a dripping lamp\n");
            Path spool = Files.createDirectories(dir.resolve("spool"));
            List<String> command = List.of(ProcessHandle.current().info().command().orElse("java"),
                    "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xmx384m", "-jar", JAR.toString(), "run",
                    "--catalogue", catalogue.toString(),
                    "--output", "file:" + dir.resolve("out"),
                    "--spring.datasource.url=jdbc:h2:file:" + dir.resolve("db").resolve("imagebatch"),
                    "--imagebatch.providers.liangxin.base-url=http://127.0.0.1:" + server.getAddress().getPort(),
                    "--imagebatch.providers.liangxin.api-key=test-key",
                    "--imagebatch.download.allow-private-networks=true",
                    "--imagebatch.download.spool-dir=" + spool,
                    "--imagebatch.job.poll-early=200ms");
            try (ImageBatchKillIT.Child child = ImageBatchKillIT.Child.start(command, dir)) {
                try {
                    await("the download started").atMost(Duration.ofMinutes(4)).pollInterval(Duration.ofMillis(50))
                            .until(() -> !list(spool).isEmpty() || !partFiles(dir.resolve("out")).isEmpty());
                } catch (ConditionTimeoutException e) {
                    throw new AssertionError("the download never started:\n" + child.output(), e);
                }
                child.signal(false); // SIGTERM
                Integer exit = child.awaitExit(Duration.ofSeconds(60));
                String output = child.output();
                assertEquals(1, exit, output);
                assertTrue(output.contains("STOPPED"), output);
                assertEquals(List.of(), list(spool), output);
                assertEquals(List.of(), partFiles(dir.resolve("out")), output);
            }
        } finally {
            release.countDown();
            server.stop(0);
            executor.shutdownNow();
        }
    }

    private static byte[] pngHead() throws IOException {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        javax.imageio.ImageIO.write(new java.awt.image.BufferedImage(64, 48,
                java.awt.image.BufferedImage.TYPE_INT_RGB), "png", out);
        return out.toByteArray();
    }

    private static void json(HttpExchange exchange, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(200, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    /** @return the {@code .part} files below {@code folder} (none when it does not exist) */
    private static List<Path> partFiles(Path folder) throws IOException {
        if (!Files.isDirectory(folder)) {
            return List.of();
        }
        try (Stream<Path> files = Files.walk(folder)) {
            return files.filter(f -> f.getFileName().toString().endsWith(".part")).toList();
        }
    }

    private static List<Path> list(Path folder) throws IOException {
        try (Stream<Path> files = Files.list(folder)) {
            return files.toList();
        }
    }

    private static Path fresh(Path dir) throws IOException {
        if (Files.exists(dir)) {
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
        return Files.createDirectories(dir);
    }
}
