package io.imagebatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.imagebatch.lock.BatchLocks;
import io.imagebatch.sandbox.SandboxProvider;
import io.imagebatch.sandbox.SandboxSettings;
import io.imagebatch.testsupport.CliRun;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.Lock;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.core.io.ClassPathResource;
import org.springframework.integration.jdbc.lock.DefaultLockRepository;
import org.springframework.integration.jdbc.lock.JdbcLockRegistry;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.jdbc.datasource.DriverManagerDataSource;
import org.springframework.jdbc.datasource.init.ResourceDatabasePopulator;

/**
 * {@code redo BATCH ROW_NUM --prompt TEXT} through the real command line, on the sandbox provider (README, "Redo a
 * row"): one new create for the row with the new prompt, the new image under the row's key, the earlier one in
 * the row's history, the earlier attempt in the ledger.
 */
class RedoCommandTest {

    @TempDir
    Path work;

    private Path catalogue() throws Exception {
        return Files.writeString(work.resolve("four.csv"),
                "id,prompt\nP1,a red chair\nP2,a blue lamp\nP3,a green door\nP4,a white cup\nP5,x\n");
    }

    private List<String> settings(String baseUrl) {
        return List.of("--imagebatch.providers.liangxin.base-url=" + baseUrl,
                "--imagebatch.providers.liangxin.api-key=" + SandboxProvider.API_KEY,
                "--imagebatch.download.allow-private-networks=true");
    }

    private String runFourRows(SandboxProvider sandbox) throws Exception {
        List<String> args = new ArrayList<>(List.of("--catalogue", catalogue().toString(),
                "--output", "file:" + work.resolve("out")));
        args.addAll(settings(sandbox.baseUrl().toString()));
        CliRun first = CliRun.run(work, args.toArray(String[]::new));
        assertThat(first.exitCode()).isEqualTo(ImageBatchCli.COMPLETED);
        return first.batchId();
    }

    private CliRun redo(String baseUrl, String batchId, String row, String prompt, String... extra) {
        List<String> args = new ArrayList<>(List.of(batchId, row, "--prompt", prompt));
        args.addAll(settings(baseUrl));
        args.addAll(List.of(extra));
        return CliRun.command(work, "redo", args.toArray(String[]::new));
    }

    private List<CSVRecord> report(String batchId) throws Exception {
        try (Reader in = Files.newBufferedReader(work.resolve("out").resolve(batchId).resolve("report.csv"))) {
            return CSVFormat.RFC4180.builder().setHeader().setSkipHeaderRecord(true).get().parse(in).getRecords();
        }
    }

    private CSVRecord reportRow(String batchId, String rowId) throws Exception {
        return report(batchId).stream().filter(r -> r.get("row_id").equals(rowId)).findFirst().orElseThrow();
    }

    /**
     * The commands' database, as {@link CliRun#database} points them at it (H2 in the test's folder, or a
     * PostgreSQL schema with {@code -Dimagebatch.test.database=postgres}).
     */
    private DriverManagerDataSource database() {
        Map<String, String> settings = new java.util.HashMap<>(Map.of("username", "sa", "password", ""));
        for (String arg : CliRun.database(work)) {
            String setting = arg.substring("--spring.datasource.".length());
            settings.put(setting.substring(0, setting.indexOf('=')), setting.substring(setting.indexOf('=') + 1));
        }
        return new DriverManagerDataSource(settings.get("url"), settings.get("username"), settings.get("password"));
    }

    /** The ledger, read after the command's context has closed it. */
    private JdbcClient ledger() {
        return JdbcClient.create(database());
    }

    private static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }

    private static int[] pixels(Path image) throws Exception {
        java.awt.image.BufferedImage read = javax.imageio.ImageIO.read(image.toFile());
        return read.getRGB(0, 0, read.getWidth(), read.getHeight(), null, 0, read.getWidth());
    }

    private static Path file(String uri) {
        return Path.of(java.net.URI.create(uri));
    }

    @Test
    void redoingOneVariantOfARowSendsOneCreateForThatVariantAloneAndKeepsItsEarlierImage() throws Exception {
        try (SandboxProvider sandbox = SandboxProvider.start(SandboxSettings.defaults()
                .withGenerationTime(Duration.ofMillis(50), Duration.ofMillis(150)))) {
            List<String> args = new ArrayList<>(List.of("--catalogue", catalogue().toString(), "--variants", "2",
                    "--output", "file:" + work.resolve("out")));
            args.addAll(settings(sandbox.baseUrl().toString()));
            CliRun first = CliRun.run(work, args.toArray(String[]::new));
            assertThat(first.exitCode()).isEqualTo(ImageBatchCli.COMPLETED);
            String batchId = first.batchId();
            assertThat(sandbox.stats().creates()).as("4 valid rows, 2 variants each").isEqualTo(8);
            CSVRecord before = variantRow(batchId, "P2", 2);
            Path image = file(before.get("output_uri"));
            byte[] earlierImage = Files.readAllBytes(image);
            String otherVariant = variantRow(batchId, "P2", 1).get("sha256");

            CliRun redone = redo(sandbox.baseUrl().toString(), batchId, "2", "a violet lamp on a desk",
                    "--variant", "2");

            assertThat(redone.exitCode()).isEqualTo(ImageBatchCli.COMPLETED);
            assertThat(sandbox.stats().creates()).as("one create: row 2 variant 2").isEqualTo(9);
            assertThat(sandbox.stats().createsByPrompt()).containsEntry("a violet lamp on a desk", 1)
                    .containsEntry("a blue lamp", 2);
            CSVRecord after = variantRow(batchId, "P2", 2);
            assertThat(after.get("attempt")).isEqualTo("2");
            assertThat(after.get("prompt")).isEqualTo("a violet lamp on a desk");
            assertThat(after.get("output_uri")).isEqualTo(before.get("output_uri"));
            assertThat(variantRow(batchId, "P2", 1).get("attempt")).isEqualTo("1");
            assertThat(variantRow(batchId, "P2", 1).get("sha256")).isEqualTo(otherVariant);
            String name = image.getFileName().toString();
            assertThat(work.resolve("out").resolve(batchId).resolve("history")
                    .resolve("P2-2-attempt-1" + name.substring(name.lastIndexOf('.')))).hasBinaryContent(earlierImage);
        }
    }

    private CSVRecord variantRow(String batchId, String rowId, int variant) throws Exception {
        return report(batchId).stream().filter(r -> r.get("row_id").equals(rowId)
                && r.get("variant").equals(String.valueOf(variant))).findFirst().orElseThrow();
    }

    @Test
    void redoingAStoredRowSendsOneCreateWithTheNewPromptAndKeepsTheEarlierImageAndAttemptInTheHistory()
            throws Exception {
        try (SandboxProvider sandbox = SandboxProvider.start(SandboxSettings.defaults()
                .withGenerationTime(Duration.ofMillis(50), Duration.ofMillis(150)))) {
            String batchId = runFourRows(sandbox);
            CSVRecord before = reportRow(batchId, "P2");
            Path image = file(before.get("output_uri"));
            byte[] earlierImage = Files.readAllBytes(image);
            assertThat(before.get("attempt")).isEqualTo("1");

            CliRun redone = redo(sandbox.baseUrl().toString(), batchId, "2", "a violet lamp on a desk");

            assertThat(redone.exitCode()).isEqualTo(ImageBatchCli.COMPLETED);
            assertThat(redone.output()).contains("Redoing row 2 (P2) of batch " + batchId + " as attempt 2");
            // exactly one new create, for that row, with the new prompt
            assertThat(sandbox.stats().creates()).isEqualTo(5);
            assertThat(sandbox.stats().createsByPrompt()).containsEntry("a violet lamp on a desk", 1)
                    .containsEntry("a blue lamp", 1);
            CSVRecord after = reportRow(batchId, "P2");
            assertThat(after.get("status")).isEqualTo("SUCCEEDED");
            assertThat(after.get("attempt")).isEqualTo("2");
            assertThat(after.get("prompt")).isEqualTo("a violet lamp on a desk");
            // the new image under the row's key, the earlier one under its history key, byte for byte
            assertThat(after.get("output_uri")).isEqualTo(before.get("output_uri"));
            assertThat(sha256(Files.readAllBytes(image))).isEqualTo(after.get("sha256"));
            Path history = work.resolve("out").resolve(batchId).resolve("history").resolve("P2-attempt-1"
                    + image.getFileName().toString().substring(image.getFileName().toString().lastIndexOf('.')));
            assertThat(history).hasBinaryContent(earlierImage);
            assertThat(report(batchId)).filteredOn(r -> !r.get("row_id").equals("P2"))
                    .allSatisfy(r -> assertThat(r.get("attempt")).isEqualTo("1"));
            // the earlier attempt in the ledger, with its prompt and its kept image
            Map<String, Object> attempt = ledger().sql("SELECT ATTEMPT, STATE, PROMPT, OUTPUT_URI, TASK_ID"
                    + " FROM IB_TASK_ATTEMPT WHERE BATCH_ID = ? AND ROW_NUM = 2").param(batchId).query().singleRow();
            assertThat(attempt).containsEntry("ATTEMPT", 1).containsEntry("STATE", "STORED")
                    .containsEntry("PROMPT", "a blue lamp").containsEntry("TASK_ID", before.get("task_id"));
            assertThat(file((String) attempt.get("OUTPUT_URI"))).isEqualTo(history);
            assertThat(ledger().sql("SELECT COUNT(*) FROM IB_TASK_ATTEMPT").query(Long.class).single()).isOne();
        }
    }

    @Test
    void aRedoneRowsRenditionsAreMadeFromItsNewImageNeverLeftFromTheEarlierOne() throws Exception {
        try (SandboxProvider sandbox = SandboxProvider.start(SandboxSettings.defaults()
                .withGenerationTime(Duration.ofMillis(50), Duration.ofMillis(150)))) {
            Path job = Files.writeString(work.resolve("channels.yml"), """
                    catalogue: %s
                    output: file:%s
                    renditions:
                      - { name: shop, width: 64, height: 64, fit: pad, format: png }
                    """.formatted(catalogue(), work.resolve("out")));
            List<String> args = new ArrayList<>(List.of(job.toString()));
            args.addAll(settings(sandbox.baseUrl().toString()));
            CliRun first = CliRun.run(work, args.toArray(String[]::new));
            assertThat(first.exitCode()).isEqualTo(ImageBatchCli.COMPLETED);
            String batchId = first.batchId();
            Path rendition = file(reportRow(batchId, "P2").get("renditions").replaceFirst("^shop=", ""));
            byte[] earlierRendition = Files.readAllBytes(rendition);

            CliRun redone = redo(sandbox.baseUrl().toString(), batchId, "2", "a violet lamp on a desk");

            assertThat(redone.exitCode()).isEqualTo(ImageBatchCli.COMPLETED);
            CSVRecord after = reportRow(batchId, "P2");
            assertThat(after.get("attempt")).isEqualTo("2");
            assertThat(file(after.get("renditions").replaceFirst("^shop=", ""))).isEqualTo(rendition);
            // the rendition now is the new image's: made again from it, byte for byte what a fresh one is
            Path fresh = work.resolve("fresh");
            try (var store = new io.imagebatch.storage.FileOutputStore(
                    io.imagebatch.storage.OutputLocation.parse("file:" + fresh))) {
                store.putBytes("b/P2.png", Files.readAllBytes(file(after.get("output_uri"))), "image/png");
                new io.imagebatch.rendition.Renditions().makeMissing(store, "b/P2.png", "b", "P2",
                        io.imagebatch.rendition.Rendition.parseList(List.of(Map.of("name", "shop", "width", 64,
                                "height", 64, "fit", "pad", "format", "png"))));
            }
            assertThat(Files.readAllBytes(rendition)).isNotEqualTo(earlierRendition);
            assertThat(pixels(rendition)).isEqualTo(pixels(fresh.resolve("b/shop/P2.png")));
        }
    }

    @Test
    void aSecondRedoBeforeTheFirstIsSentReplacesItsPromptAndTheRowIsCreatedOnce() throws Exception {
        try (SandboxProvider sandbox = SandboxProvider.start(SandboxSettings.defaults()
                .withGenerationTime(Duration.ofMillis(50), Duration.ofMillis(150)))) {
            String batchId = runFourRows(sandbox);

            // the first redo's run cannot reach the provider: the row stays PENDING, unsent
            CliRun unsent = redo("http://127.0.0.1:9", batchId, "3", "a yellow door",
                    "--imagebatch.job.create-attempts=2");
            assertThat(unsent.exitCode()).isEqualTo(ImageBatchCli.FAILED);
            assertThat(sandbox.stats().creates()).isEqualTo(4);

            CliRun second = redo(sandbox.baseUrl().toString(), batchId, "3", "a purple door");

            assertThat(second.exitCode()).isEqualTo(ImageBatchCli.COMPLETED);
            assertThat(second.output()).contains("as attempt 2, replacing the prompt of the redo not sent yet");
            assertThat(sandbox.stats().creates()).isEqualTo(5);
            assertThat(sandbox.stats().createsByPrompt()).containsEntry("a purple door", 1)
                    .doesNotContainKey("a yellow door");
            CSVRecord row = reportRow(batchId, "P3");
            assertThat(List.of(row.get("status"), row.get("attempt"), row.get("prompt")))
                    .containsExactly("SUCCEEDED", "2", "a purple door");
            assertThat(ledger().sql("SELECT COUNT(*) FROM IB_TASK_ATTEMPT").query(Long.class).single()).isOne();
        }
    }

    @Test
    void aPromptOverTheProvidersLimitOrARowThatCannotBeRedoneIsRefusedAndNothingIsSent() throws Exception {
        try (SandboxProvider sandbox = SandboxProvider.start(SandboxSettings.defaults()
                .withGenerationTime(Duration.ofMillis(50), Duration.ofMillis(150)))) {
            String batchId = runFourRows(sandbox);

            CliRun tooLong = redo(sandbox.baseUrl().toString(), batchId, "2", "x".repeat(3001));
            assertThat(tooLong.exitCode()).isEqualTo(ImageBatchCli.USAGE);
            assertThat(tooLong.output()).contains("row 2, column prompt").contains("3000");

            CliRun blank = redo(sandbox.baseUrl().toString(), batchId, "2", "  ");
            assertThat(blank.exitCode()).isEqualTo(ImageBatchCli.USAGE);
            assertThat(blank.output()).contains("row 2, column prompt: the new prompt is empty");

            // a row our own rules rejected (LiangXin takes 2 characters or more) had no valid request
            CliRun rejected = redo(sandbox.baseUrl().toString(), batchId, "5", "a wooden spoon");
            assertThat(rejected.exitCode()).isEqualTo(ImageBatchCli.USAGE);
            assertThat(rejected.output()).contains("row 5 (P5) is REJECTED: it was rejected by our own rules");

            CliRun noRow = redo(sandbox.baseUrl().toString(), batchId, "9", "a lamp");
            assertThat(noRow.exitCode()).isEqualTo(ImageBatchCli.USAGE);
            assertThat(noRow.output()).contains("has no row 9");

            assertThat(sandbox.stats().creates()).isEqualTo(4);
            assertThat(reportRow(batchId, "P2").get("attempt")).isEqualTo("1");
            assertThat(ledger().sql("SELECT COUNT(*) FROM IB_TASK_ATTEMPT").query(Long.class).single()).isZero();
        }
    }

    @Test
    void aRedoWhileAnotherProcessHoldsTheBatchIsRefusedAndChangesNothing() throws Exception {
        try (SandboxProvider sandbox = SandboxProvider.start(SandboxSettings.defaults()
                .withGenerationTime(Duration.ofMillis(50), Duration.ofMillis(150)))) {
            String batchId = runFourRows(sandbox);
            // another process: its own lock client on the same database file
            DriverManagerDataSource db = database();
            new ResourceDatabasePopulator(new ClassPathResource("db/lock-schema.sql")).execute(db);
            DefaultLockRepository repository = new DefaultLockRepository(db);
            repository.setRegion("imagebatch"); // LockConfiguration.REGION
            repository.setTransactionManager(new DataSourceTransactionManager(db));
            repository.afterPropertiesSet();
            repository.afterSingletonsInstantiated();
            // held for far longer than the test can take, however busy the machine: only unlock() ends it
            Lock other = new JdbcLockRegistry(repository, Duration.ofHours(1)).obtain(BatchLocks.batchKey(batchId));
            assertThat(other.tryLock()).isTrue();
            try {
                CliRun refused = redo(sandbox.baseUrl().toString(), batchId, "2", "a violet lamp");

                assertThat(refused.exitCode()).isEqualTo(ImageBatchCli.FAILED);
                assertThat(refused.output()).contains("batch " + batchId + " is running")
                        .contains("nothing was changed");
            } finally {
                other.unlock();
            }
            assertThat(sandbox.stats().creates()).isEqualTo(4);
            assertThat(ledger().sql("SELECT STATE, ATTEMPT FROM IB_TASK_LEDGER WHERE BATCH_ID = ? AND ROW_NUM = 2")
                    .param(batchId).query().singleRow()).containsEntry("STATE", "STORED").containsEntry("ATTEMPT", 1);
            assertThat(ledger().sql("SELECT COUNT(*) FROM IB_TASK_ATTEMPT").query(Long.class).single()).isZero();
        }
    }
    @Test
    void aRowStillInFlightInAStoppedBatchIsRefusedAndLeftToTheResume() throws Exception {
        try (SandboxProvider sandbox = SandboxProvider.start(SandboxSettings.defaults()
                .withGenerationTime(Duration.ofMillis(1500), Duration.ofMillis(2500)))) {
            List<String> args = new ArrayList<>(List.of("--catalogue", catalogue().toString(),
                    "--output", "file:" + work.resolve("out"), "--imagebatch.job.chunk-size=2"));
            args.addAll(settings(sandbox.baseUrl().toString()));
            java.util.concurrent.CompletableFuture<CliRun> running = java.util.concurrent.CompletableFuture.supplyAsync(
                    () -> CliRun.run(work, args.toArray(String[]::new)));
            org.awaitility.Awaitility.await("2 creates or the run's end").atMost(Duration.ofMinutes(2))
                    .pollInterval(Duration.ofMillis(20)).until(() -> sandbox.stats().creates() >= 2 || running.isDone());
            String batchId = io.imagebatch.app.BatchSettingsResolver.resolve(io.imagebatch.app.RunOptions.parse(args),
                    null).batchId();
            if (!running.isDone()) {
                CliRun stop = CliRun.command(work, "stop", batchId);
                assertThat(stop.exitCode()).isEqualTo(ImageBatchCli.COMPLETED);
            }
            CliRun stopped = running.get();
            org.junit.jupiter.api.Assumptions.assumeTrue(stopped.exitCode() == ImageBatchCli.FAILED,
                    "the run ended before the stop reached it");
            List<Map<String, Object>> rows = ledger().sql("SELECT ROW_NUM, STATE FROM IB_TASK_LEDGER WHERE BATCH_ID = ?"
                    + " AND STATE IN ('SUBMITTED', 'RUNNING', 'GENERATED') ORDER BY ROW_NUM").param(batchId).query()
                    .listOfRows();
            org.junit.jupiter.api.Assumptions.assumeFalse(rows.isEmpty(), "every row had ended when the stop came");
            Map<String, Object> inFlight = rows.get(0);
            int createsBefore = sandbox.stats().creates();

            CliRun refused = redo(sandbox.baseUrl().toString(), batchId, inFlight.get("ROW_NUM").toString(),
                    "a violet lamp");

            assertThat(refused.exitCode()).isEqualTo(ImageBatchCli.USAGE);
            assertThat(refused.output()).contains("is " + inFlight.get("STATE") + ": it is in flight");
            assertThat(sandbox.stats().creates()).isEqualTo(createsBefore);
            assertThat(ledger().sql("SELECT COUNT(*) FROM IB_TASK_ATTEMPT").query(Long.class).single()).isZero();
        }
    }
    @Test
    void aRedoWhoseRunStoppedIsSentWithItsNewPromptWhenTheBatchIsResumed() throws Exception {
        try (SandboxProvider sandbox = SandboxProvider.start(SandboxSettings.defaults()
                .withGenerationTime(Duration.ofMillis(50), Duration.ofMillis(150)))) {
            String batchId = runFourRows(sandbox);
            CliRun unsent = redo("http://127.0.0.1:9", batchId, "4", "a black cup",
                    "--imagebatch.job.create-attempts=2");
            assertThat(unsent.exitCode()).isEqualTo(ImageBatchCli.FAILED);

            // the new prompt is in the ledger, not in this process: a plain resume sends it
            List<String> args = new ArrayList<>(List.of(batchId));
            args.addAll(settings(sandbox.baseUrl().toString()));
            CliRun resumed = CliRun.command(work, "restart", args.toArray(String[]::new));

            assertThat(resumed.exitCode()).isEqualTo(ImageBatchCli.COMPLETED);
            assertThat(sandbox.stats().creates()).isEqualTo(5);
            assertThat(sandbox.stats().createsByPrompt()).containsEntry("a black cup", 1)
                    .containsEntry("a white cup", 1);
            CSVRecord row = reportRow(batchId, "P4");
            assertThat(List.of(row.get("status"), row.get("attempt"), row.get("prompt")))
                    .containsExactly("SUCCEEDED", "2", "a black cup");
        }
    }
}
