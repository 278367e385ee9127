package io.imagebatch.console.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.jayway.jsonpath.JsonPath;
import io.imagebatch.app.ExitCodes;
import io.imagebatch.cli.ImageBatchCli;
import io.imagebatch.lock.BatchLocks;
import io.imagebatch.serve.JobLastBatches;
import io.imagebatch.serve.RunningServe;
import io.imagebatch.testsupport.CliRun;
import io.imagebatch.testsupport.SandboxBatch;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.apache.commons.csv.CSVRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.security.crypto.bcrypt.BCryptPasswordEncoder;

/**
 * Choosing a row's variant through the console (README.md, Variants, and "The console's API"): {@code serve
 * --sandbox} as the command starts it, a job file with {@code variants: 2} run against the sandbox provider into a
 * folder, the ledger in a real H2 file database, real HTTP with HTTP Basic. What the console answers is compared
 * with the files the store and the report hold, read directly.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class VariantChoiceApiTest {

    private static final String PASSWORD = "choose-pass";

    @TempDir
    static Path work;
    private RunningServe serve;
    private final HttpClient http = HttpClient.newHttpClient();
    private String batch;

    @BeforeAll
    void runABatchWithTwoVariantsPerRow() throws Exception {
        Path jobs = Files.createDirectories(work.resolve("jobs"));
        // row 3 asks for an aspect ratio the sandbox's provider does not offer: REJECTED, nothing stored
        Path catalogue = Files.writeString(work.resolve("catalogue.csv"), """
                id,prompt,aspect_ratio
                lamp,a brass desk lamp on white,1:1
                shirt,a linen shirt on white,1:1
                vase,a glass vase on white,7:3
                """);
        Path job = Files.writeString(jobs.resolve("variants.yml"), """
                name: variants
                catalogue: %s
                output: file:%s
                team: red
                variants: 2
                schedule: "0 0 0 1 1 *"
                sandbox: { min-generation-time: 50ms, max-generation-time: 200ms, failure-rate: 0 }
                """.formatted(catalogue, work.resolve("out")));
        BCryptPasswordEncoder bcrypt = new BCryptPasswordEncoder(4);
        List<String> args = new ArrayList<>(List.of("--jobs", jobs.toString(), "--sandbox", "--server.port=0",
                "--imagebatch.job.poll-early=100ms", "--imagebatch.job.poll-middle=200ms",
                "--imagebatch.job.retry-initial-delay=50ms", "--imagebatch.job.retry-max-delay=200ms",
                "--imagebatch.serve.stop-timeout=15s",
                "--imagebatch.console.thumbnail-dir=" + work.resolve("thumbnails"),
                "--imagebatch.console.upload-dir=" + work.resolve("uploads")));
        String[][] users = {{"viewer", "VIEWER", "red"}, {"alice", "SUBMITTER", "red"}, {"carol", "SUBMITTER", "blue"}};
        for (int i = 0; i < users.length; i++) {
            args.add("--imagebatch.console.users[" + i + "].name=" + users[i][0]);
            args.add("--imagebatch.console.users[" + i + "].password-hash=" + bcrypt.encode(PASSWORD));
            args.add("--imagebatch.console.users[" + i + "].roles=" + users[i][1]);
            args.add("--imagebatch.console.users[" + i + "].team=" + users[i][2]);
        }
        args.addAll(CliRun.database(work));
        serve = ImageBatchCli.startServe(args, System.out);
        assertThat(serve.scheduler().runJob("variants", job)).isEqualTo(ExitCodes.COMPLETED);
        batch = serve.context().getBean(JobLastBatches.class).get("variants").orElseThrow();
    }

    @AfterAll
    void stopServe() {
        if (serve != null) {
            serve.close();
        }
    }

    @Test
    void choosingAVariantThroughTheApiCopiesItByteForByteToTheRowsNameAndRecordsItInTheReport() throws Exception {
        Path second = image("shirt", 2);
        Path chosen = second.resolveSibling("shirt" + extension(second));

        HttpResponse<String> answer = post("alice", "/api/batches/" + batch + "/rows/2/variants/2/choose");

        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        assertThat(JsonPath.<List<Integer>>read(answer.body(), "$[*].variant")).containsExactly(1, 2);
        assertThat(JsonPath.<List<Boolean>>read(answer.body(), "$[*].chosen")).containsExactly(false, true);
        assertThat(Files.readAllBytes(chosen)).isEqualTo(Files.readAllBytes(second));
        assertThat(chosenColumn()).contains("2/1/", "2/2/yes");
        // the variant's own image and thumbnail are served like a row's image, to the team's viewer
        HttpResponse<byte[]> served = getBytes("viewer", "/batches/" + batch + "/rows/2/variants/2/image");
        assertThat(served.statusCode()).isEqualTo(200);
        assertThat(served.body()).isEqualTo(Files.readAllBytes(second));
        HttpResponse<byte[]> thumbnail = getBytes("viewer", "/batches/" + batch + "/rows/2/variants/2/thumbnail");
        assertThat(thumbnail.statusCode()).isEqualTo(200);
        assertThat(thumbnail.headers().firstValue("Content-Type")).contains("image/jpeg");
        HttpResponse<byte[]> other = getBytes("viewer", "/batches/" + batch + "/rows/2/variants/1/thumbnail");
        assertThat(other.body()).as("each variant has its own thumbnail").isNotEqualTo(thumbnail.body());
    }

    @Test
    void aViewerMayNotChooseAVariantAndNothingChanges() throws Exception {
        List<String> before = chosenColumn();

        HttpResponse<String> answer = post("viewer", "/api/batches/" + batch + "/rows/1/variants/2/choose");

        assertThat(answer.statusCode()).isEqualTo(403);
        assertThat(chosenColumn()).isEqualTo(before);
    }

    @Test
    void anotherTeamsSubmitterFindsNoBatchToChooseIn() throws Exception {
        HttpResponse<String> answer = post("carol", "/api/batches/" + batch + "/rows/1/variants/2/choose");
        HttpResponse<byte[]> image = getBytes("carol", "/batches/" + batch + "/rows/1/variants/2/image");

        assertThat(answer.statusCode()).isEqualTo(404);
        assertThat(answer.headers().firstValue("Content-Type")).contains("application/problem+json");
        assertThat(image.statusCode()).isEqualTo(404);
        assertThat(Files.exists(image("lamp", 2).resolveSibling("lamp" + extension(image("lamp", 2))))).isFalse();
    }

    @Test
    void aVariantThatIsNotStoredIsRefusedWithAConflictNamingItsState() throws Exception {
        HttpResponse<String> answer = post("alice", "/api/batches/" + batch + "/rows/3/variants/1/choose");

        assertThat(answer.statusCode()).isEqualTo(409);
        assertThat(answer.headers().firstValue("Content-Type")).contains("application/problem+json");
        assertThat(JsonPath.<String>read(answer.body(), "$.detail")).contains("REJECTED, not STORED");
        assertThat(chosenColumn()).contains("3/1/");
        HttpResponse<String> unknown = post("alice", "/api/batches/" + batch + "/rows/1/variants/3/choose");
        assertThat(unknown.statusCode()).isEqualTo(404);
    }

    @Test
    void aBatchHeldByARunIsRefusedWithAConflictAndNothingIsCopied() throws Exception {
        Path second = image("lamp", 2);
        Path chosen = second.resolveSibling("lamp" + extension(second));
        List<String> before = chosenColumn();
        BatchLocks locks = serve.context().getBean(BatchLocks.class);

        HttpResponse<String> answer;
        // the batch's lock, as a run holds it (another thread than the request's: refused without waiting)
        try (BatchLocks.Held held = locks.tryLock(BatchLocks.batchKey(batch)).orElseThrow()) {
            answer = post("alice", "/api/batches/" + batch + "/rows/1/variants/2/choose");
        }

        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(409);
        assertThat(answer.headers().firstValue("Content-Type")).contains("application/problem+json");
        assertThat(JsonPath.<String>read(answer.body(), "$.detail")).contains("is held").contains("nothing was chosen");
        assertThat(Files.exists(chosen)).isFalse();
        assertThat(chosenColumn()).isEqualTo(before);
    }

    // ---- helpers ----

    private Path image(String rowId, int variant) {
        CSVRecord line = SandboxBatch.report(work, batch).stream()
                .filter(r -> r.get("row_id").equals(rowId) && r.get("variant").equals(String.valueOf(variant)))
                .findFirst().orElseThrow();
        return Path.of(URI.create(line.get("output_uri")));
    }

    private List<String> chosenColumn() {
        return SandboxBatch.report(work, batch).stream()
                .map(r -> r.get("row_number") + "/" + r.get("variant") + "/" + r.get("chosen")).toList();
    }

    private static String extension(Path file) {
        String name = file.getFileName().toString();
        return name.substring(name.lastIndexOf('.'));
    }

    private HttpRequest.Builder request(String user, String path) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + serve.port() + path))
                .header("Authorization", "Basic " + Base64.getEncoder()
                        .encodeToString((user + ":" + PASSWORD).getBytes(StandardCharsets.UTF_8)));
    }

    private HttpResponse<String> post(String user, String path) throws Exception {
        return http.send(request(user, path).POST(HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<byte[]> getBytes(String user, String path) throws Exception {
        return http.send(request(user, path).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
    }
}
