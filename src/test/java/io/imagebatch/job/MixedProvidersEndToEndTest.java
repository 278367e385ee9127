package io.imagebatch.job;

import static org.assertj.core.api.Assertions.assertThat;

import io.imagebatch.cli.ImageBatchCli;
import io.imagebatch.sandbox.SandboxProvider;
import io.imagebatch.sandbox.SandboxSettings;
import io.imagebatch.testsupport.CliRun;
import io.imagebatch.testsupport.S3ProxyServer;
import io.imagebatch.testsupport.SampleCatalogue;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import javax.imageio.ImageIO;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * One catalogue mixing all four providers, end to end to S3, each row validated by its own provider's
 * rules; the sample catalogue on each provider; crun.ai's balance checked before anything is sent.
 */
class MixedProvidersEndToEndTest {

    private static final String BUCKET = "mixed-images";
    private static final Path MIXED = Path.of("sample-data/mixed-providers.csv");
    private static S3ProxyServer s3;

    @TempDir
    Path work;
    private SandboxProvider sandbox;

    @BeforeAll
    static void startS3() {
        s3 = S3ProxyServer.start();
        s3.createBucket(BUCKET);
        System.setProperty("aws.accessKeyId", S3ProxyServer.ACCESS_KEY);
        System.setProperty("aws.secretAccessKey", S3ProxyServer.SECRET_KEY);
        System.setProperty("aws.region", S3ProxyServer.REGION);
    }

    @AfterAll
    static void stopS3() {
        s3.close();
    }

    @BeforeEach
    void startSandbox() {
        sandbox = SandboxProvider.start(SandboxSettings.defaults()
                .withGenerationTime(Duration.ofMillis(100), Duration.ofMillis(500)));
    }

    @AfterEach
    void stopSandbox() {
        sandbox.close();
    }

    /** Every provider pointed at the sandbox, as --sandbox does. */
    private List<String> providerSettings() {
        List<String> args = new ArrayList<>();
        for (String provider : List.of("liangxin", "mingyan", "hiapi", "crun")) {
            args.add("--imagebatch.providers." + provider + ".base-url=" + sandbox.baseUrl());
            args.add("--imagebatch.providers." + provider + ".api-key=" + SandboxProvider.API_KEY);
        }
        args.add("--imagebatch.download.allow-private-networks=true");
        return args;
    }

    @Test
    void aCatalogueMixingAllFourProvidersEndsInS3WithEachRowJudgedByItsOwnProvider() throws Exception {
        List<String> args = new ArrayList<>(List.of("--catalogue", MIXED.toString(), "--output",
                "s3://" + BUCKET + "/mixed", "--imagebatch.s3.endpoint=" + s3.endpoint(),
                "--imagebatch.s3.path-style=true"));
        args.addAll(providerSettings());

        CliRun run = CliRun.run(work, args.toArray(String[]::new));

        assertThat(run.exitCode()).isEqualTo(ImageBatchCli.COMPLETED);
        assertThat(run.output()).contains("16 rows: 12 SUCCEEDED, 4 REJECTED, 0 FAILED, 0 UNCERTAIN");
        List<CSVRecord> report = csv(s3.client().getObjectAsBytes(b -> b.bucket(BUCKET)
                .key("mixed/" + run.batchId() + "/report.csv")).asString(StandardCharsets.UTF_8));
        Map<String, Long> storedByProvider = report.stream().filter(r -> r.get("status").equals("SUCCEEDED"))
                .collect(Collectors.groupingBy(r -> r.get("provider"), Collectors.counting()));
        assertThat(storedByProvider).containsExactlyInAnyOrderEntriesOf(
                Map.of("liangxin", 3L, "mingyan", 3L, "hiapi", 3L, "crun", 3L));
        // each provider's own rule refused its own row
        assertThat(report.subList(12, 16)).extracting(r -> r.get("status")).containsOnly("REJECTED");
        assertThat(report.get(12).get("error")).contains("row 13, column output_format").contains("LiangXin");
        assertThat(report.get(13).get("error")).contains("row 14, column resolution").contains("mingyan");
        assertThat(report.get(14).get("error")).contains("row 15, column aspect_ratio").contains("HiAPI");
        assertThat(report.get(15).get("error")).contains("row 16, column resolution").contains("crun.ai");
        for (CSVRecord line : report.subList(0, 12)) {
            String key = line.get("output_uri").substring(("s3://" + BUCKET + "/").length());
            byte[] image = s3.client().getObjectAsBytes(b -> b.bucket(BUCKET).key(key)).asByteArray();
            assertThat(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(image)))
                    .isEqualTo(line.get("sha256"));
            BufferedImage decoded = ImageIO.read(new ByteArrayInputStream(image));
            assertThat(decoded).as("row %s is a PNG", line.get("row_id")).isNotNull();
        }
        assertThat(sandbox.stats().creates()).isEqualTo(12);
        assertThat(sandbox.stats().createsByPrompt()).allSatisfy((p, n) -> assertThat(n).isEqualTo(1));
    }

    @ParameterizedTest
    @ValueSource(strings = {"liangxin", "mingyan", "hiapi", "crun"})
    void eachProviderRunsTheSampleCatalogue(String provider) throws IOException {
        List<String> args = new ArrayList<>(SampleCatalogue.options());
        args.addAll(List.of("--provider", provider, "--output", "file:" + work.resolve("out")));
        args.addAll(providerSettings());

        CliRun run = CliRun.run(work, args.toArray(String[]::new));

        assertThat(run.exitCode()).isEqualTo(ImageBatchCli.COMPLETED);
        List<CSVRecord> report;
        try (Reader in = Files.newBufferedReader(work.resolve("out").resolve(run.batchId()).resolve("report.csv"))) {
            report = CSVFormat.RFC4180.builder().setHeader().setSkipHeaderRecord(true).get().parse(in).getRecords();
        }
        assertThat(report).hasSize(SampleCatalogue.ROWS);
        // the rows broken for every provider are rejected whichever provider runs them
        assertThat(report.get(42).get("error")).contains("row 43, column colour");
        assertThat(report.get(44).get("error")).contains("row 45, column id");
        assertThat(report).filteredOn(r -> !r.get("status").equals("REJECTED"))
                .allSatisfy(r -> assertThat(r.get("status")).isEqualTo("SUCCEEDED"));
        assertThat(report).filteredOn(r -> r.get("status").equals("REJECTED"))
                .allSatisfy(r -> assertThat(r.get("error")).matches("row \\d+, column \\w+: .+"));
        long succeeded = report.stream().filter(r -> r.get("status").equals("SUCCEEDED")).count();
        assertThat(succeeded).isGreaterThanOrEqualTo(SampleCatalogue.VALID - 5);
        assertThat(sandbox.stats().creates()).isEqualTo((int) succeeded);
    }

    @Test
    void crunCreditsThatCannotCoverTheValidRowsStopTheBatchBeforeAnythingIsSent() throws IOException {
        sandbox.setCrunBalance(2);
        List<String> args = new ArrayList<>(List.of("--catalogue", MIXED.toString(), "--output",
                "file:" + work.resolve("out"), "--imagebatch.providers.crun.credits-per-image=1"));
        args.addAll(providerSettings());

        CliRun run = CliRun.run(work, args.toArray(String[]::new));

        assertThat(run.exitCode()).isEqualTo(ImageBatchCli.USAGE);
        assertThat(run.output()).contains("provider crun has 2.0 credits left, and the valid rows not yet sent need 3.0");
        assertThat(sandbox.stats().creates()).isZero();
    }

    private static List<CSVRecord> csv(String text) throws IOException {
        return CSVFormat.RFC4180.builder().setHeader().setSkipHeaderRecord(true).get().parse(new StringReader(text))
                .getRecords();
    }
}
