package io.imagebatch.console.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.jayway.jsonpath.JsonPath;
import io.imagebatch.cli.ImageBatchCli;
import io.imagebatch.sandbox.SandboxProvider;
import io.imagebatch.serve.RunningServe;
import io.imagebatch.testsupport.CliRun;
import io.imagebatch.testsupport.SampleCatalogue;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.Reader;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVRecord;
import org.apache.poi.xssf.usermodel.XSSFRow;
import org.apache.poi.xssf.usermodel.XSSFSheet;
import org.apache.poi.xssf.usermodel.XSSFWorkbook;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.security.crypto.bcrypt.BCryptPasswordEncoder;

/**
 * The console's API end to end, as a script uses it: {@code serve --sandbox} started as the command starts it,
 * users from {@code imagebatch.console.users}, real HTTP with HTTP Basic, the sample catalogue uploaded as CSV and
 * as .xlsx, batches run against the sandbox provider into a folder, the ledger in a real H2 file database.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BatchApiTest {

    static final String ALICE = "alice";
    static final String BOB = "bob";
    static final String CAROL = "carol";
    static final String ADMIN = "root";
    static final String PASSWORD = "s3cret-pass";
    /** The upload limit of this serve, bytes: the sample catalogue (4 KB) fits, a 100 KB file does not. */
    static final int LIMIT = 64 * 1024;

    @TempDir
    static Path work;
    private RunningServe serve;
    private ConsoleApiClient api;
    private final List<String> hashes = new ArrayList<>();

    @BeforeAll
    void startServe() throws IOException {
        Path jobs = Files.createDirectories(work.resolve("jobs"));
        // the template: the sample catalogue's columns and prompt template, as jobs/demo.yml; its sandbox section
        // sets this serve's sandbox provider: fast, and every other generation fails (retry-failed has work)
        Files.writeString(jobs.resolve("demo.yml"), """
                name: demo
                catalogue: %s
                provider: liangxin
                model: nano-banana-pro-flash
                output: file:%s
                columns: { id: sku }
                prompt-template: "%s"
                defaults: { aspect-ratio: "1:1", resolution: 1K }
                schedule: "0 0 0 1 1 *"
                sandbox: { min-generation-time: 100ms, max-generation-time: 300ms, failure-rate: 0.3 }
                """.formatted(SampleCatalogue.FILE.toAbsolutePath(), work.resolve("out"), SampleCatalogue.TEMPLATE));
        // a job file of team blue (not scheduled here): its batches belong to that team
        Files.writeString(jobs.resolve("blue-nightly.yml"), """
                name: blue-nightly
                catalogue: %s
                team: blue
                """.formatted(SampleCatalogue.FILE.toAbsolutePath()));
        // a template whose fallback names a model its provider does not have (not scheduled, offered as a template)
        Files.writeString(jobs.resolve("bad-fallback.yml"), """
                name: bad-fallback
                provider: liangxin
                output: file:%s
                columns: { id: sku }
                prompt-template: "A studio photo of the {name}"
                fallback:
                  - { provider: hiapi, model: no-such-model }
                """.formatted(work.resolve("out")));
        BCryptPasswordEncoder bcrypt = new BCryptPasswordEncoder(4);
        List<String> args = new ArrayList<>(List.of("--jobs", jobs.toString(), "--sandbox", "--server.port=0",
                "--imagebatch.job.poll-early=100ms", "--imagebatch.job.poll-middle=200ms",
                "--imagebatch.job.retry-initial-delay=50ms", "--imagebatch.job.retry-max-delay=200ms",
                "--imagebatch.job.progress-interval=1s", "--imagebatch.serve.stop-timeout=15s",
                "--imagebatch.console.upload-dir=" + work.resolve("uploads"),
                "--imagebatch.console.max-upload-bytes=" + LIMIT));
        String[][] users = {{ALICE, "SUBMITTER", "red"}, {BOB, "VIEWER", "red"}, {CAROL, "SUBMITTER", "blue"},
            {ADMIN, "ADMIN", ""}};
        for (int i = 0; i < users.length; i++) {
            String hash = bcrypt.encode(PASSWORD);
            hashes.add(hash);
            args.add("--imagebatch.console.users[" + i + "].name=" + users[i][0]);
            args.add("--imagebatch.console.users[" + i + "].password-hash=" + hash);
            args.add("--imagebatch.console.users[" + i + "].roles=" + users[i][1]);
            args.add("--imagebatch.console.users[" + i + "].team=" + users[i][2]);
        }
        args.addAll(CliRun.database(work));
        serve = ImageBatchCli.startServe(args, System.out);
        api = new ConsoleApiClient(serve.port());
    }

    @AfterAll
    void stopServe() {
        if (serve != null) {
            serve.close();
        }
    }

    private static List<Map.Entry<String, String>> demoFields(String... more) {
        List<Map.Entry<String, String>> fields = new ArrayList<>(List.of(Map.entry("job", "demo")));
        for (int i = 0; i + 1 < more.length; i += 2) {
            fields.add(Map.entry(more[i], more[i + 1]));
        }
        return fields;
    }

    private HttpResponse<String> createSample(String user, String... fields) throws Exception {
        return api.upload(user, PASSWORD, "/api/batches", "catalogue.csv", Files.readAllBytes(SampleCatalogue.FILE),
                demoFields(fields));
    }

    private String awaitStatus(String user, String id, String... statuses) {
        return await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(200)).until(() -> {
            HttpResponse<String> r = api.get(user, PASSWORD, "/api/batches/" + id);
            return r.statusCode() == 200 ? r.body() : "";
        }, body -> !body.isEmpty() && List.of(statuses).contains(JsonPath.<String>read(body, "$.status")));
    }

    @Test
    void aCatalogueUploadedIsCheckedStartedRunToCompletionPagedAndItsFailedRowsRetried() throws Exception {
        HttpResponse<String> created = createSample(ALICE, "output", "file:" + work.resolve("out-a"));

        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        String id = JsonPath.read(created.body(), "$.id");
        assertThat(created.headers().firstValue("Location")).contains("/api/batches/" + id);
        assertThat(JsonPath.<String>read(created.body(), "$.status")).isEqualTo("CHECKED");
        assertThat(JsonPath.<Integer>read(created.body(), "$.rows")).isEqualTo(SampleCatalogue.ROWS);
        assertThat(JsonPath.<Integer>read(created.body(), "$.valid")).isEqualTo(SampleCatalogue.VALID);
        List<Integer> rejectedRows = JsonPath.read(created.body(), "$.rejected[*].row");
        assertThat(rejectedRows).containsExactly(41, 42, 43, 44, 45);
        List<String> messages = JsonPath.read(created.body(), "$.rejected[*].message");
        SampleCatalogue.REJECTED.forEach((row, fragment) -> assertThat(messages).anyMatch(m -> m.contains(fragment)));
        assertThat(JsonPath.<String>read(created.body(), "$.rejected[0].column")).isEqualTo("aspect_ratio");
        assertThat(JsonPath.<String>read(created.body(), "$.rejected[4].column")).isEqualTo("id");
        assertThat(JsonPath.<String>read(created.body(), "$.estimate.currency")).isNotBlank();
        assertThat(JsonPath.<List<Object>>read(created.body(), "$.estimate.groups")).isNotEmpty();
        assertThat(JsonPath.<List<Object>>read(created.body(), "$.preview")).hasSize(20);
        assertThat(JsonPath.<String>read(created.body(), "$.preview[0].prompt"))
                .startsWith("Studio product photo of the Aurora Desk Lamp");

        HttpResponse<String> started = api.post(ALICE, PASSWORD, "/api/batches/" + id + "/start");
        assertThat(started.statusCode()).as(started.body()).isEqualTo(200);
        // a second start while it runs is a conflict
        assertThat(api.post(ALICE, PASSWORD, "/api/batches/" + id + "/start").statusCode()).isEqualTo(409);

        String done = awaitStatus(ALICE, id, "COMPLETED");
        int stored = JsonPath.<Integer>read(done, "$.counts.STORED");
        int failed = JsonPath.read(done, "$.counts.FAILED") == null ? 0 : JsonPath.<Integer>read(done, "$.counts.FAILED");
        assertThat(stored + failed).isEqualTo(SampleCatalogue.VALID);
        assertThat(JsonPath.<Integer>read(done, "$.counts.REJECTED")).isEqualTo(5);
        assertThat(JsonPath.<Boolean>read(done, "$.sandbox")).isTrue();
        assertThat(JsonPath.<String>read(done, "$.reportUri")).endsWith("/report.csv");
        assertThat(failed).as("the sandbox fails about a third of the generations").isPositive();
        assertThat(JsonPath.<List<String>>read(done, "$.actions")).containsExactly("retry-failed");

        // rows: a page, a state filter, a search
        HttpResponse<String> page = api.get(BOB, PASSWORD, "/api/batches/" + id + "/rows?page=1&size=10");
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(JsonPath.<Integer>read(page.body(), "$.total")).isEqualTo(SampleCatalogue.ROWS);
        assertThat(JsonPath.<List<Integer>>read(page.body(), "$.rows[*].rowNum"))
                .containsExactly(11, 12, 13, 14, 15, 16, 17, 18, 19, 20);
        HttpResponse<String> rejected = api.get(BOB, PASSWORD, "/api/batches/" + id + "/rows?state=rejected");
        assertThat(JsonPath.<Integer>read(rejected.body(), "$.total")).isEqualTo(5);
        HttpResponse<String> search = api.get(BOB, PASSWORD, "/api/batches/" + id + "/rows?q=nb-1002");
        assertThat(JsonPath.<List<Integer>>read(search.body(), "$.rows[*].rowNum")).containsExactly(2, 45);
        assertThat(api.get(BOB, PASSWORD, "/api/batches/" + id + "/rows?state=NOPE").statusCode()).isEqualTo(400);
        List<Integer> failedRows = JsonPath.read(api.get(ALICE, PASSWORD, "/api/batches/" + id
                + "/rows?state=FAILED&size=500").body(), "$.rows[*].rowNum");
        assertThat(failedRows).hasSize(failed);

        // retry-failed: the failed rows are created again, each keeping its earlier attempt
        HttpResponse<String> retry = api.post(ALICE, PASSWORD, "/api/batches/" + id + "/retry-failed");
        assertThat(retry.statusCode()).as(retry.body()).isEqualTo(200);
        String again = await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(200)).until(
                () -> api.get(ALICE, PASSWORD, "/api/batches/" + id + "/rows/" + failedRows.get(0)).body(),
                body -> JsonPath.<List<Object>>read(body, "$.attempts").size() == 1
                        && List.of("STORED", "FAILED").contains(JsonPath.<String>read(body, "$.row.state")));
        assertThat(JsonPath.<Integer>read(again, "$.row.attempt")).isEqualTo(2);
        assertThat(JsonPath.<String>read(again, "$.attempts[0].state")).isEqualTo("FAILED");
        awaitStatus(ALICE, id, "COMPLETED");
        assertThat(api.get(ALICE, PASSWORD, "/api/batches/" + id + "/rows/99").statusCode()).isEqualTo(404);
    }

    @Test
    void aRowRedoneWithAnEditedPromptIsSentOnceAndKeepsItsEarlierAttemptAndImageInItsHistory() throws Exception {
        Path out = work.resolve("out-redo");
        String id = JsonPath.read(createSample(ALICE, "output", "file:" + out, "start", "true").body(), "$.id");
        awaitStatus(ALICE, id, "COMPLETED");
        List<Integer> storedRows = JsonPath.read(api.get(ALICE, PASSWORD, "/api/batches/" + id
                + "/rows?state=STORED&size=500").body(), "$.rows[*].rowNum");
        int rowNum = storedRows.get(0);
        String before = api.get(ALICE, PASSWORD, "/api/batches/" + id + "/rows/" + rowNum).body();
        String oldPrompt = JsonPath.read(before, "$.row.prompt");
        Path oldImage = Path.of(URI.create(JsonPath.<String>read(before, "$.row.outputUri")));
        byte[] oldBytes = Files.readAllBytes(oldImage);
        String newPrompt = oldPrompt + ", on a walnut desk";

        // a VIEWER may not, a blank prompt is refused, a prompt over the provider's limit too: nothing changes
        assertThat(api.postJson(BOB, PASSWORD, "/api/batches/" + id + "/rows/" + rowNum + "/redo",
                "{\"prompt\":\"x\"}").statusCode()).isEqualTo(403);
        assertThat(api.postJson(ALICE, PASSWORD, "/api/batches/" + id + "/rows/" + rowNum + "/redo",
                "{\"prompt\":\"  \"}").statusCode()).isEqualTo(400);
        assertThat(api.postJson(ALICE, PASSWORD, "/api/batches/" + id + "/rows/" + rowNum + "/redo",
                "{\"prompt\":\"" + "x".repeat(200_000) + "\"}").statusCode()).isEqualTo(400);
        assertThat(JsonPath.<Integer>read(api.get(ALICE, PASSWORD, "/api/batches/" + id + "/rows/" + rowNum)
                .body(), "$.row.attempt")).isEqualTo(1);

        HttpResponse<String> redo = api.postJson(ALICE, PASSWORD, "/api/batches/" + id + "/rows/" + rowNum
                + "/redo", "{\"prompt\":\"" + newPrompt + "\"}");
        assertThat(redo.statusCode()).as(redo.body()).isEqualTo(200);

        String after = await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(200)).until(
                () -> api.get(ALICE, PASSWORD, "/api/batches/" + id + "/rows/" + rowNum).body(),
                body -> JsonPath.<Integer>read(body, "$.row.attempt") == 2
                        && List.of("STORED", "FAILED").contains(JsonPath.<String>read(body, "$.row.state")));
        awaitStatus(ALICE, id, "COMPLETED");
        assertThat(JsonPath.<String>read(after, "$.row.prompt")).isEqualTo(newPrompt);
        assertThat(JsonPath.<Integer>read(after, "$.attempts[0].attempt")).isEqualTo(1);
        assertThat(JsonPath.<String>read(after, "$.attempts[0].state")).isEqualTo("STORED");
        assertThat(JsonPath.<String>read(after, "$.attempts[0].prompt")).isEqualTo(oldPrompt);
        // the earlier image is kept, byte for byte, under the row's history
        Path history = Path.of(URI.create(JsonPath.<String>read(after, "$.attempts[0].outputUri")));
        assertThat(history).isNotEqualTo(oldImage);
        assertThat(Files.readAllBytes(history)).isEqualTo(oldBytes);
        // and the console serves it from the row's page
        HttpResponse<byte[]> kept = java.net.http.HttpClient.newHttpClient().send(api.request(BOB, PASSWORD,
                "/batches/" + id + "/rows/" + rowNum + "/attempts/1/image").GET().build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertThat(kept.statusCode()).isEqualTo(200);
        assertThat(kept.body()).isEqualTo(oldBytes);
        assertThat(api.get(BOB, PASSWORD, "/batches/" + id + "/rows/" + rowNum + "/attempts/2/image").statusCode())
                .isEqualTo(404);
        // no other row was sent again
        String done = api.get(ALICE, PASSWORD, "/api/batches/" + id + "/rows?size=500").body();
        List<Integer> attempts = JsonPath.read(done, "$.rows[*].attempt");
        assertThat(attempts.stream().filter(a -> a > 1)).hasSize(1);
    }

    @Test
    void aCheckedBatchStartedAsAProofRunSendsThatManyRowsAwaitsApprovalAndApprovalSendsTheRest() throws Exception {
        String id = JsonPath.read(createSample(ALICE, "output", "file:" + work.resolve("out-proof")).body(), "$.id");
        assertThat(api.post(BOB, PASSWORD, "/api/batches/" + id + "/start-proof?rows=4").statusCode())
                .isEqualTo(403);
        assertThat(api.post(ALICE, PASSWORD, "/api/batches/" + id + "/start-proof?rows=0").statusCode())
                .isEqualTo(400);

        HttpResponse<String> proof = api.post(ALICE, PASSWORD, "/api/batches/" + id + "/start-proof?rows=4");
        assertThat(proof.statusCode()).as(proof.body()).isEqualTo(200);

        String awaiting = awaitStatus(ALICE, id, "AWAITING_APPROVAL");
        String rows = api.get(ALICE, PASSWORD, "/api/batches/" + id + "/rows?size=500").body();
        List<String> states = JsonPath.read(rows, "$.rows[*].state");
        assertThat(states.stream().filter(st -> st.equals("STORED") || st.equals("FAILED"))).hasSize(4);
        assertThat(JsonPath.<List<String>>read(awaiting, "$.actions")).contains("approve", "reject");
        // a proof run is a batch's first run only
        assertThat(api.post(ALICE, PASSWORD, "/api/batches/" + id + "/start-proof?rows=4").statusCode())
                .isEqualTo(409);

        assertThat(api.post(ALICE, PASSWORD, "/api/batches/" + id + "/approve").statusCode()).isEqualTo(200);
        String done = awaitStatus(ALICE, id, "COMPLETED");
        int stored = JsonPath.<Integer>read(done, "$.counts.STORED");
        int failed = JsonPath.read(done, "$.counts.FAILED") == null ? 0 : JsonPath.<Integer>read(done, "$.counts.FAILED");
        assertThat(stored + failed).isEqualTo(SampleCatalogue.VALID);
    }

    @Test
    void anXlsxCatalogueGivesTheSameRowsAsItsCsv() throws Exception {
        HttpResponse<String> csv = createSample(ALICE, "output", "file:" + work.resolve("out-x"));
        HttpResponse<String> xlsx = api.upload(ALICE, PASSWORD, "/api/batches", "catalogue.xlsx",
                workbookOf(SampleCatalogue.FILE), demoFields("output", "file:" + work.resolve("out-x")));

        assertThat(xlsx.statusCode()).as(xlsx.body()).isEqualTo(201);
        for (String path : List.of("$.rows", "$.valid", "$.rejected[*].row", "$.rejected[*].message",
                "$.preview[*].prompt", "$.preview[*].id", "$.estimate.groups")) {
            assertThat(JsonPath.<Object>read(xlsx.body(), path)).as(path)
                    .isEqualTo(JsonPath.read(csv.body(), path));
        }
        // the workbook is kept, and the CSV made from its first sheet beside it
        try (Stream<Path> kept = Files.list(work.resolve("uploads"))) {
            assertThat(kept.map(p -> p.getFileName().toString()))
                    .anyMatch(n -> n.endsWith(".xlsx")).anyMatch(n -> n.endsWith(".xlsx.csv"));
        }
    }

    /** The CSV file's cells as a workbook's first sheet; the row numbers as numeric cells. */
    private static byte[] workbookOf(Path csv) throws IOException {
        try (XSSFWorkbook workbook = new XSSFWorkbook(); Reader in = Files.newBufferedReader(csv)) {
            XSSFSheet sheet = workbook.createSheet("catalogue");
            int r = 0;
            for (CSVRecord record : CSVFormat.RFC4180.parse(in)) {
                XSSFRow row = sheet.createRow(r++);
                for (int c = 0; c < record.size(); c++) {
                    if (!record.get(c).isEmpty()) {
                        row.createCell(c).setCellValue(record.get(c));
                    }
                }
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            workbook.write(out);
            return out.toByteArray();
        }
    }

    @Test
    void everyEndpointAnswers401WithoutAUserAndNeverMakesASession() throws Exception {
        String id = JsonPath.read(createSample(ALICE, "output", "file:" + work.resolve("out-s")).body(), "$.id");
        for (String path : List.of("/api/batches", "/api/batches/" + id, "/api/batches/" + id + "/rows",
                "/api/batches/" + id + "/rows/1", "/api/batches/" + id + "/check", "/api/templates")) {
            HttpResponse<String> r = api.get(null, null, path);
            assertThat(r.statusCode()).as(path).isEqualTo(401);
            assertThat(r.headers().firstValue("Content-Type").orElse("")).as(path).startsWith("application/problem+json");
            assertThat(JsonPath.<Integer>read(r.body(), "$.status")).isEqualTo(401);
            assertThat(api.get(ALICE, "wrong", path).statusCode()).as(path).isEqualTo(401);
        }
        for (String action : List.of("start", "stop", "resume", "retry-failed", "approve", "reject", "rows/1/redo")) {
            assertThat(api.post(null, null, "/api/batches/" + id + "/" + action).statusCode()).as(action)
                    .isEqualTo(401);
        }
        assertThat(api.upload(null, null, "/api/batches", "c.csv", "id,prompt\n1,a cat\n".getBytes(),
                demoFields()).statusCode()).isEqualTo(401);
        HttpResponse<String> signedIn = api.get(ALICE, PASSWORD, "/api/batches");
        assertThat(signedIn.statusCode()).isEqualTo(200);
        assertThat(signedIn.headers().allValues("Set-Cookie")).isEmpty();
        assertThat(signedIn.headers().firstValue("Content-Security-Policy"))
                .contains("default-src 'self'; img-src 'self' data:; frame-ancestors 'none'");
        assertThat(signedIn.headers().firstValue("X-Content-Type-Options")).contains("nosniff");
        assertThat(signedIn.headers().firstValue("X-Frame-Options")).contains("DENY");
    }

    @Test
    void aViewerMayReadButNotCreateOrStartAndAnotherTeamsBatchIsUnknownToAllButAdmin() throws Exception {
        String id = JsonPath.read(createSample(ALICE, "output", "file:" + work.resolve("out-t")).body(), "$.id");

        HttpResponse<String> viewerCreate = createSample(BOB, "output", "file:" + work.resolve("out-t2"));
        assertThat(viewerCreate.statusCode()).isEqualTo(403);
        assertThat(JsonPath.<Integer>read(viewerCreate.body(), "$.status")).isEqualTo(403);
        assertThat(api.post(BOB, PASSWORD, "/api/batches/" + id + "/start").statusCode()).isEqualTo(403);
        assertThat(api.get(BOB, PASSWORD, "/api/batches/" + id).statusCode()).isEqualTo(200);
        assertThat(JsonPath.<List<String>>read(api.get(BOB, PASSWORD, "/api/batches/" + id).body(), "$.actions"))
                .isEmpty();

        // carol is of team blue: alice's batch is unknown to her, for reading and for acting
        HttpResponse<String> other = api.get(CAROL, PASSWORD, "/api/batches/" + id);
        assertThat(other.statusCode()).isEqualTo(404);
        assertThat(api.get(CAROL, PASSWORD, "/api/batches/" + id + "/rows").statusCode()).isEqualTo(404);
        assertThat(api.post(CAROL, PASSWORD, "/api/batches/" + id + "/start").statusCode()).isEqualTo(404);
        assertThat(JsonPath.<List<String>>read(api.get(CAROL, PASSWORD, "/api/batches").body(), "$[*].id"))
                .doesNotContain(id);
        // the admin sees every team's batches
        assertThat(api.get(ADMIN, PASSWORD, "/api/batches/" + id).statusCode()).isEqualTo(200);
        assertThat(JsonPath.<List<String>>read(api.get(ADMIN, PASSWORD, "/api/batches").body(), "$[*].id"))
                .contains(id);
        assertThat(JsonPath.<String>read(api.get(ALICE, PASSWORD, "/api/batches/" + id).body(), "$.team"))
                .isEqualTo("red");
    }

    @Test
    void aJobFilesBatchBelongsToTheJobFilesTeamAndABatchOfNoTeamToEveryone() throws Exception {
        io.imagebatch.job.BatchSettingsStore store = serve.context().getBean(io.imagebatch.job.BatchSettingsStore.class);
        String blue = store.save(new io.imagebatch.job.BatchSettings("blue-nightly", "/x.csv", "00", 1,
                io.imagebatch.catalogue.CatalogueFormat.defaults(), "liangxin", null,
                io.imagebatch.provider.RequestDefaults.none(), "file:out-blue"));
        String everyone = store.save(new io.imagebatch.job.BatchSettings("adhoc", "/x.csv", "00", 1,
                io.imagebatch.catalogue.CatalogueFormat.defaults(), "liangxin", null,
                io.imagebatch.provider.RequestDefaults.none(), "file:out-all"));

        assertThat(api.get(ALICE, PASSWORD, "/api/batches/" + blue).statusCode()).isEqualTo(404);
        HttpResponse<String> forBlue = api.get(CAROL, PASSWORD, "/api/batches/" + blue);
        assertThat(forBlue.statusCode()).isEqualTo(200);
        assertThat(JsonPath.<String>read(forBlue.body(), "$.team")).isEqualTo("blue");
        assertThat(api.get(ADMIN, PASSWORD, "/api/batches/" + blue).statusCode()).isEqualTo(200);
        assertThat(JsonPath.<List<String>>read(api.get(ALICE, PASSWORD, "/api/batches").body(), "$[*].id"))
                .contains(everyone).doesNotContain(blue);
        assertThat(api.get(BOB, PASSWORD, "/api/batches/" + everyone).statusCode()).isEqualTo(200);
    }

    @Test
    void pathTraversalInIdsAndUploadNamesIsHarmless() throws Exception {
        for (String id : List.of("..%2F..%2Fetc%2Fpasswd", "%2e%2e%2f%2e%2e%2fetc%2fpasswd", "..", "a%00b",
                "NB-1002", "x'%20OR%20'1'='1")) {
            int status = api.get(ADMIN, PASSWORD, "/api/batches/" + id).statusCode();
            assertThat(status).as(id).isIn(400, 404);
        }
        Path uploads = work.resolve("uploads");
        for (String name : List.of("../../etc/passwd.csv", "%2e%2e%2fescape.csv", "..\\..\\win.csv")) {
            HttpResponse<String> r = api.upload(ALICE, PASSWORD, "/api/batches", name,
                    ("sku,name\nT-" + name.length() + ",a lamp\n").getBytes(StandardCharsets.UTF_8),
                    List.of(Map.entry("prompt-template", "A photo of the {name}"), Map.entry("column", "id=sku"),
                            Map.entry("output", "file:" + work.resolve("out-p"))));
            assertThat(r.statusCode()).as(name + ": " + r.body()).isEqualTo(201);
        }
        // nothing was written outside the upload folder, and inside it only content-named files
        assertThat(work.resolve("etc")).doesNotExist();
        assertThat(work.getParent().resolve("etc/passwd.csv")).doesNotExist();
        try (Stream<Path> kept = Files.list(uploads)) {
            assertThat(kept.map(p -> p.getFileName().toString()))
                    .allMatch(n -> n.matches("[0-9a-f]{64}\\.(csv|tsv|txt|xlsx|xlsx\\.csv)"));
        }
        // an upload with an unknown extension or binary content is refused, naming the rule
        HttpResponse<String> binary = api.upload(ALICE, PASSWORD, "/api/batches", "c.csv", new byte[] {'a', 0, 'b'},
                demoFields());
        assertThat(binary.statusCode()).isEqualTo(400);
        assertThat(JsonPath.<String>read(binary.body(), "$.detail")).contains("NUL");
        assertThat(api.upload(ALICE, PASSWORD, "/api/batches", "c.exe", "x".getBytes(), demoFields()).statusCode())
                .isEqualTo(400);
    }

    @Test
    void aMalformedFieldIsA400ProblemNamingItAndNothingIsKept() throws Exception {
        Path uploads = Files.createDirectories(work.resolve("uploads"));
        long before;
        try (Stream<Path> kept = Files.list(uploads)) {
            before = kept.count();
        }
        byte[] fresh = "sku,name\nM-1,a malformed lamp\n".getBytes(StandardCharsets.UTF_8);
        HttpResponse<String> proof = api.upload(ALICE, PASSWORD, "/api/batches", "m.csv", fresh,
                demoFields("proof", "abc"));
        assertThat(proof.statusCode()).isEqualTo(400);
        assertThat(JsonPath.<String>read(proof.body(), "$.detail")).startsWith("proof");
        HttpResponse<String> budget = api.upload(ALICE, PASSWORD, "/api/batches", "m.csv", fresh,
                demoFields("budget", "lots"));
        assertThat(budget.statusCode()).isEqualTo(400);
        assertThat(JsonPath.<String>read(budget.body(), "$.detail")).contains("budget");
        HttpResponse<String> column = api.upload(ALICE, PASSWORD, "/api/batches", "m.csv", fresh,
                demoFields("column", "sku"));
        assertThat(column.statusCode()).isEqualTo(400);
        assertThat(JsonPath.<String>read(column.body(), "$.detail")).startsWith("column");
        assertThat(api.upload(ALICE, PASSWORD, "/api/batches", "m.csv", fresh, demoFields("job", "nope"))
                .statusCode()).isEqualTo(400);
        assertThat(api.get(ALICE, PASSWORD, "/api/batches/x/rows/abc").statusCode()).isEqualTo(400);
        try (Stream<Path> kept = Files.list(uploads)) {
            assertThat(kept.count()).isEqualTo(before);
        }
    }

    @Test
    void aTemplateWhoseFallbackCannotTakeRowsIsRefusedBeforeAnythingIsSent() throws Exception {
        byte[] fresh = "sku,name\nF-1,a fallback lamp\n".getBytes(StandardCharsets.UTF_8);

        HttpResponse<String> created = api.upload(ALICE, PASSWORD, "/api/batches", "f.csv", fresh,
                List.of(Map.entry("job", "bad-fallback"), Map.entry("start", "true")));

        assertThat(created.statusCode()).as(created.body()).isEqualTo(400);
        assertThat(JsonPath.<String>read(created.body(), "$.detail")).contains("bad-fallback.yml")
                .contains("fallback").contains("no-such-model");
    }

    @Test
    void everyRejectionNamesItsRowAndColumn() throws Exception {
        String csv = "id,prompt,provider,model\n"
                + "ok-1,a red chair,,\n"
                + "x".repeat(201) + ",a blue lamp,,\n"
                + "ok-3,a green sofa,,m" + "o".repeat(120) + "\n"
                + "ok-4,a yellow rug,nobody,\n"
                + "ok-1,a second red chair,,\n";
        HttpResponse<String> r = api.upload(ALICE, PASSWORD, "/api/batches", "rules.csv",
                csv.getBytes(StandardCharsets.UTF_8), List.of(Map.entry("output", "file:" + work.resolve("out-r"))));

        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        assertThat(JsonPath.<List<Integer>>read(r.body(), "$.rejected[*].row")).containsExactly(2, 3, 4, 5);
        assertThat(JsonPath.<List<String>>read(r.body(), "$.rejected[*].column"))
                .containsExactly("id", "model", "provider", "id");
        assertThat(JsonPath.<String>read(r.body(), "$.rejected[3].rowId")).isEqualTo("ok-1");
        assertThat(JsonPath.<String>read(r.body(), "$.preview[3].error")).startsWith("row 4, column provider");
    }

    @Test
    void anUploadOverTheLimitIs413AndNothingOfItIsKept() throws Exception {
        Path uploads = Files.createDirectories(work.resolve("uploads"));
        List<String> before;
        try (Stream<Path> kept = Files.list(uploads)) {
            before = kept.map(Path::toString).sorted().toList();
        }
        byte[] big = ("sku,name\n" + "X-1,a lamp\n".repeat(LIMIT / 10)).getBytes(StandardCharsets.UTF_8);
        assertThat(big.length).isGreaterThan(LIMIT);

        HttpResponse<String> r = api.upload(ALICE, PASSWORD, "/api/batches", "big.csv", big, demoFields());

        assertThat(r.statusCode()).as(r.body()).isEqualTo(413);
        assertThat(JsonPath.<String>read(r.body(), "$.detail")).contains("imagebatch.console.max-upload-bytes");
        try (Stream<Path> kept = Files.list(uploads)) {
            assertThat(kept.map(Path::toString).sorted().toList()).isEqualTo(before);
        }
    }

    @Test
    void noAnswerEverHoldsAPasswordHashOrAnApiKey() throws Exception {
        // every other test's answers too, when they ran first; and a few here
        createSample(ALICE, "output", "file:" + work.resolve("out-k"));
        api.get(ADMIN, PASSWORD, "/api/batches");
        api.get(ADMIN, PASSWORD, "/api/templates");
        api.get(null, null, "/api/batches");
        for (String body : api.bodies()) {
            assertThat(body).doesNotContain(SandboxProvider.API_KEY).doesNotContain("$2a$").doesNotContain(PASSWORD);
            hashes.forEach(hash -> assertThat(body).doesNotContain(hash));
        }
    }
}
