package io.imagebatch.report;

import static org.assertj.core.api.Assertions.assertThat;

import io.imagebatch.cli.ImageBatchCli;
import io.imagebatch.sandbox.SandboxProvider;
import io.imagebatch.sandbox.SandboxSettings;
import io.imagebatch.testsupport.CliRun;
import io.imagebatch.testsupport.SampleCatalogue;
import java.io.IOException;
import java.io.Reader;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVRecord;
import org.jsoup.Jsoup;
import org.jsoup.nodes.Document;
import org.jsoup.nodes.Element;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The report files a person opens, from real runs of the command line: HTTP to the sandbox provider, images into
 * a local folder, the ledger in a real H2 file database. {@code report.html} is read with a real HTML parser,
 * {@code manifest.json} with Jackson, and the webhook is a real HTTP server.
 */
class ReportFilesEndToEndTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();

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

    private CliRun run(List<String> catalogueOptions, String... extra) {
        List<String> args = new ArrayList<>(catalogueOptions);
        args.addAll(List.of("--output", "file:" + work.resolve("out"),
                "--imagebatch.providers.liangxin.base-url=" + sandbox.baseUrl(),
                "--imagebatch.providers.liangxin.api-key=" + SandboxProvider.API_KEY,
                "--imagebatch.download.allow-private-networks=true",
                "--imagebatch.job.create-attempts=2"));
        args.addAll(List.of(extra));
        return CliRun.run(work, args.toArray(String[]::new));
    }

    @Test
    void theSampleBatchGetsAContactSheetAManifestAndOneWebhookCall() throws Exception {
        try (WebhookReceiver hook = WebhookReceiver.answering(204)) {
            CliRun run = run(SampleCatalogue.options(), "--imagebatch.notify.webhook-url=" + hook.url());

            assertThat(run.exitCode()).isEqualTo(ImageBatchCli.COMPLETED);
            Path folder = work.resolve("out").resolve(run.batchId()).toAbsolutePath().normalize();
            Path page = folder.resolve("report.html");
            assertThat(run.output()).contains("  report: file:" + folder.resolve("report.csv"))
                    .contains("  contact sheet: file:" + page);
            List<CSVRecord> report = readCsv(folder.resolve("report.csv"));
            Document doc = Jsoup.parse(page.toFile(), "UTF-8");

            // every stored row: a thumbnail whose relative src is that row's image, beside the page
            List<CSVRecord> stored = report.stream().filter(r -> r.get("status").equals("SUCCEEDED")).toList();
            assertThat(stored).hasSize(SampleCatalogue.VALID);
            for (CSVRecord line : stored) {
                Element card = doc.getElementById("row-" + line.get("row_number"));
                assertThat(card).as("card of row %s", line.get("row_number")).isNotNull();
                Element img = card.selectFirst("img");
                String src = img.attr("src");
                assertThat(src).isEqualTo("./" + line.get("row_id") + ".png");
                Path image = page.getParent().resolve(src).normalize();
                assertThat(image.getParent()).isEqualTo(folder);
                assertThat(sha256(Files.readAllBytes(image))).isEqualTo(line.get("sha256"));
                assertThat(img.attr("loading")).isEqualTo("lazy");
                assertThat(card.selectFirst(".id").text()).isEqualTo(line.get("row_id"));
                assertThat(card.selectFirst(".prompt").text()).isEqualTo(line.get("prompt"));
                assertThat(card.selectFirst(".pm").text()).isEqualTo("liangxin / nano-banana-pro-flash");
            }
            assertThat(doc.select("img")).hasSize(SampleCatalogue.VALID);
            assertThat(doc.select("li.card")).extracting(Element::id).containsExactlyElementsOf(
                    stored.stream().map(r -> "row-" + r.get("row_number")).toList());

            // the rejected rows, with their reasons, all before the first image
            List<Element> issues = doc.select("li.issue");
            assertThat(issues).extracting(Element::id).containsExactly("row-41", "row-42", "row-43", "row-44",
                    "row-45");
            for (Element issue : issues) {
                long row = Long.parseLong(issue.id().substring("row-".length()));
                assertThat(issue.selectFirst(".badge").text()).isEqualTo("REJECTED");
                assertThat(issue.selectFirst(".reason").text()).contains(SampleCatalogue.REJECTED.get(row));
            }
            String html = Files.readString(page);
            assertThat(html.indexOf("id=\"row-45\"")).isPositive().isLessThan(html.indexOf("<img"));
            assertThat(doc.select(".counts li")).extracting(Element::text)
                    .containsExactly("40 succeeded", "5 rejected", "0 failed", "0 uncertain");
            assertThat(doc.selectFirst("h1").text()).isEqualTo(run.batchId());
            ContactSheetTest.assertNoExternalReferences(doc);

            // the manifest agrees with report.csv
            String manifestText = Files.readString(folder.resolve("manifest.json"));
            JsonNode manifest = JSON.readTree(manifestText);
            Map<String, Long> csvCounts = new java.util.LinkedHashMap<>();
            for (ReportStatus s : ReportStatus.values()) {
                csvCounts.put(s.name(), report.stream().filter(r -> r.get("status").equals(s.name())).count());
            }
            Map<String, Long> manifestCounts = new java.util.LinkedHashMap<>();
            manifest.get("counts").properties().forEach(e -> manifestCounts.put(e.getKey(), e.getValue().asLong()));
            assertThat(manifestCounts).containsExactlyEntriesOf(csvCounts);
            assertThat(manifest.get("bytesStored").asLong()).isPositive().isEqualTo(
                    stored.stream().mapToLong(r -> Long.parseLong(r.get("bytes"))).sum());
            assertThat(manifest.get("rows").asLong()).isEqualTo(SampleCatalogue.ROWS);
            assertThat(manifest.get("batchId").asString()).isEqualTo(run.batchId());
            assertThat(manifest.get("status").asString()).isEqualTo("COMPLETED");
            assertThat(manifest.get("catalogue").asString())
                    .isEqualTo(SampleCatalogue.FILE.toAbsolutePath().normalize().toString());
            assertThat(manifest.get("catalogueSha256").asString())
                    .isEqualTo(sha256(Files.readAllBytes(SampleCatalogue.FILE)));
            assertThat(manifest.get("provider").asString()).isEqualTo("liangxin");
            assertThat(manifest.get("model").asString()).isEqualTo("nano-banana-pro-flash");
            assertThat(manifest.get("output").asString()).endsWith("out");
            Instant start = Instant.parse(manifest.get("startTime").asString());
            Instant end = Instant.parse(manifest.get("endTime").asString());
            assertThat(start).isBefore(end).isAfter(Instant.now().minus(Duration.ofMinutes(10)));
            assertThat(manifest.get("credits").isNull()).isTrue();
            assertThat(manifestText).doesNotContain(SandboxProvider.API_KEY).doesNotContain("s3cr3t");

            // the webhook got that very manifest, once
            assertThat(hook.calls()).singleElement().satisfies(call -> {
                assertThat(call.method()).isEqualTo("POST");
                assertThat(call.contentType()).startsWith("application/json");
                assertThat(JSON.readTree(call.body())).isEqualTo(manifest);
            });
            assertThat(run.output()).doesNotContain("s3cr3t");

            // the same command again: already complete, nothing sent, no second notification
            CliRun again = run(SampleCatalogue.options(), "--imagebatch.notify.webhook-url=" + hook.url());
            assertThat(again.output()).contains("already completed").contains("  contact sheet: file:" + page);
            assertThat(hook.calls()).hasSize(1);
        }
    }

    @Test
    void aBatchLargerThanAContactSheetPageGetsLinkedPagesBesideReportHtmlEachRowOnOne() throws Exception {
        CliRun run = run(SampleCatalogue.options(), "--imagebatch.report.contact-sheet-page-size=10");

        assertThat(run.exitCode()).isEqualTo(ImageBatchCli.COMPLETED);
        Path folder = work.resolve("out").resolve(run.batchId()).toAbsolutePath().normalize();
        assertThat(run.output()).contains("  contact sheet: file:" + folder.resolve("report.html"));
        // 45 rows (40 images, 5 rejected), 10 a page: report.html, report-2.html ... report-5.html, found by
        // following the pages' own "next" links from report.html
        List<String> visited = new ArrayList<>();
        List<String> rows = new ArrayList<>();
        for (Path page = folder.resolve("report.html"); page != null; ) {
            visited.add(page.getFileName().toString());
            Document doc = Jsoup.parse(page.toFile(), "UTF-8");
            assertThat(doc.select("li.issue, li.card")).hasSizeLessThanOrEqualTo(10)
                    .allSatisfy(entry -> rows.add(entry.id()));
            for (Element img : doc.select("img")) {
                assertThat(folder.resolve(img.attr("src")).normalize()).isRegularFile();
            }
            Element next = doc.selectFirst("nav.pages a.next");
            page = next == null ? null : folder.resolve(next.attr("href")).normalize();
        }
        assertThat(visited).containsExactly("report.html", "report-2.html", "report-3.html", "report-4.html",
                "report-5.html");
        assertThat(rows).hasSize(SampleCatalogue.ROWS).doesNotHaveDuplicates();
        assertThat(Jsoup.parse(folder.resolve("report-5.html").toFile(), "UTF-8").selectFirst("nav.pages a.first")
                .attr("href")).isEqualTo("./report.html");
    }

    @Test
    void aPromptWithAScriptElementIsShownAsTextAndAWebhookAnswering500ChangesNothing() throws Exception {
        String evil = "A chair <script>alert(1)</script> in oak";
        Path catalogue = catalogue("id,prompt,aspect_ratio\n"
                + "S1,\"" + evil + "\",1:1\n"
                + "S2,\"<img src=https://evil.example/x.png onerror=alert(2)>\",1:1\n"
                + "S3,\"A rug <b>bold</b>\",7:3\n");
        try (WebhookReceiver hook = WebhookReceiver.answering(500)) {
            CliRun run = run(List.of("--catalogue", catalogue.toString()),
                    "--imagebatch.notify.webhook-url=" + hook.url());

            assertThat(run.exitCode()).isEqualTo(ImageBatchCli.COMPLETED);
            assertThat(hook.calls()).hasSize(1);
            Document doc = Jsoup.parse(work.resolve("out").resolve(run.batchId()).resolve("report.html").toFile(),
                    "UTF-8");
            assertThat(doc.select("script")).isEmpty();
            assertThat(doc.getElementById("row-1").selectFirst(".prompt").text()).isEqualTo(evil);
            assertThat(doc.getElementById("row-2").selectFirst(".prompt").text())
                    .isEqualTo("<img src=https://evil.example/x.png onerror=alert(2)>");
            assertThat(doc.select("img")).extracting(e -> e.attr("src")).containsExactly("./S1.png", "./S2.png");
            assertThat(doc.getElementById("row-3").selectFirst(".prompt").text()).isEqualTo("A rug <b>bold</b>");
            assertThat(doc.getElementById("row-3").selectFirst(".reason").text())
                    .contains("row 3, column aspect_ratio");
            assertThat(doc.select("main b")).isEmpty();
            ContactSheetTest.assertNoExternalReferences(doc);
        }
    }

    @Test
    void anUnreachableWebhookChangesNothing() throws Exception {
        int closed;
        try (ServerSocket socket = new ServerSocket(0)) {
            closed = socket.getLocalPort();
        }
        CliRun run = run(List.of("--catalogue", catalogue("id,prompt\nU1,A small blue vase\n").toString()),
                "--imagebatch.notify.webhook-url=http://127.0.0.1:" + closed + "/hook?token=s3cr3t",
                "--imagebatch.notify.timeout=1s");
        assertThat(run.exitCode()).isEqualTo(ImageBatchCli.COMPLETED);
        assertThat(run.output()).contains("1 rows: 1 SUCCEEDED").doesNotContain("s3cr3t");
        assertThat(work.resolve("out").resolve(run.batchId()).resolve("manifest.json")).exists();
    }

    @Test
    void aRunThatFailsSendsTheCountsSoFarWithItsStatus() throws Exception {
        sandbox.failEveryRequestWith(401); // the provider refuses the account: the job stops at once
        Path catalogue = catalogue("id,prompt,aspect_ratio\nF1,A chair,7:3\nF2,A table,1:1\nF3,A lamp,1:1\n");
        try (WebhookReceiver hook = WebhookReceiver.answering(200)) {
            CliRun run = run(List.of("--catalogue", catalogue.toString()),
                    "--imagebatch.notify.webhook-url=" + hook.url());

            assertThat(run.exitCode()).isEqualTo(ImageBatchCli.FAILED);
            assertThat(hook.calls()).hasSize(1);
            JsonNode manifest = JSON.readTree(hook.calls().get(0).body());
            assertThat(manifest.get("status").asString()).isEqualTo("FAILED");
            assertThat(manifest.get("batchId").asString()).isEqualTo(run.batchId());
            assertThat(manifest.get("rows").asLong()).isEqualTo(3);
            assertThat(manifest.get("counts").get("REJECTED").asLong()).isEqualTo(1);
            assertThat(manifest.get("counts").get("SUCCEEDED").asLong()).isZero();
            assertThat(manifest.get("bytesStored").asLong()).isZero();
            assertThat(Instant.parse(manifest.get("endTime").asString()))
                    .isAfterOrEqualTo(Instant.parse(manifest.get("startTime").asString()));
            // no report for an unfinished batch
            assertThat(work.resolve("out").resolve(run.batchId()).resolve("manifest.json")).doesNotExist();
        }
    }

    @Test
    void theManifestCarriesTheCreditsAProviderReports() throws Exception {
        sandbox.setCrunBalance(100);
        Path catalogue = catalogue("id,prompt\nC1,A green teapot\nC2,A red kettle\n");
        CliRun run = run(List.of("--catalogue", catalogue.toString(), "--provider", "crun"),
                "--imagebatch.providers.crun.base-url=" + sandbox.baseUrl(),
                "--imagebatch.providers.crun.api-key=" + SandboxProvider.API_KEY);

        assertThat(run.exitCode()).isEqualTo(ImageBatchCli.COMPLETED);
        JsonNode manifest = JSON.readTree(work.resolve("out").resolve(run.batchId()).resolve("manifest.json")
                .toFile());
        assertThat(manifest.get("provider").asString()).isEqualTo("crun");
        assertThat(manifest.get("model").asString()).isEqualTo("google/nano-banana");
        assertThat(manifest.get("credits").asDouble()).isEqualTo(98.0);
    }

    private Path catalogue(String csv) throws IOException {
        Path file = work.resolve("catalogue-" + System.nanoTime() + ".csv");
        Files.writeString(file, csv, StandardCharsets.UTF_8);
        return file;
    }

    private static List<CSVRecord> readCsv(Path file) throws IOException {
        try (Reader in = Files.newBufferedReader(file)) {
            return CSVFormat.RFC4180.builder().setHeader().setSkipHeaderRecord(true).get().parse(in).getRecords();
        }
    }

    private static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }
}
