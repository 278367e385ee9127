package io.imagebatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.imagebatch.app.ExitCodes;
import io.imagebatch.lock.AnotherProcessLock;
import io.imagebatch.lock.BatchLocks;
import io.imagebatch.report.BatchManifest;
import io.imagebatch.report.ReportStatus;
import io.imagebatch.sandbox.SandboxProvider;
import io.imagebatch.testsupport.CliRun;
import io.imagebatch.testsupport.SampleCatalogue;
import io.imagebatch.testsupport.SandboxBatch;
import java.io.Reader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.Lock;
import java.util.stream.Collectors;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The proof run from the command line to the sandbox and back (README.md, Spend, "The proof run"; docs/design.md,
 * Spend): {@code --proof N} sends N rows that cover the catalogue, holds the rest and exits 4; {@code approve}
 * sends the held rows once, within the budget; {@code reject} sends nothing more.
 */
class ProofRunTest {

    private static final String PRICE = "--imagebatch.providers.liangxin.price-per-image=0.04";
    private static final JsonMapper JSON = JsonMapper.builder().build();

    @TempDir
    Path work;

    @Test
    void aProofRunSendsNRowsCoveringTheCatalogueHoldsTheRestAndApproveSendsOnlyTheHeldRows() throws Exception {
        HttpServer hook = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        List<String> bodies = new CopyOnWriteArrayList<>();
        hook.createContext("/", exchange -> {
            bodies.add(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        hook.start();
        try (SandboxProvider sandbox = start()) {
            String webhook = "--imagebatch.notify.webhook-url=http://127.0.0.1:" + hook.getAddress().getPort() + "/h";
            CliRun proof = CliRun.run(work, args(sandbox, "--proof", "5", webhook));
            assertThat(proof.exitCode()).as(proof.output()).isEqualTo(ExitCodes.AWAITING_APPROVAL);
            String batchId = proof.batchId();
            assertThat(sandbox.stats().creates()).isEqualTo(5);
            List<CSVRecord> report = report(batchId);
            List<CSVRecord> sent = report.stream().filter(r -> r.get("status").equals("SUCCEEDED")).toList();
            assertThat(sent).hasSize(5);
            assertThat(sent.stream().map(r -> resolutionOf(Long.parseLong(r.get("row_number"))))
                    .collect(Collectors.toSet())).as("both resolutions of the catalogue").isEqualTo(Set.of("1K", "2K"));
            assertThat(report.stream().filter(r -> r.get("status").equals("HELD"))).hasSize(SampleCatalogue.VALID - 5)
                    .allSatisfy(r -> assertThat(r.get("error")).isEqualTo("proof: awaiting approval"));
            assertThat(proof.output()).contains("approve " + batchId).contains("reject " + batchId);

            assertThat(bodies).singleElement().satisfies(body -> {
                JsonNode manifest = JSON.readTree(body);
                assertThat(manifest.get("proof").get("state").asString()).isEqualTo("AWAITING_APPROVAL");
                assertThat(manifest.get("proof").get("contactSheet").asString()).endsWith(batchId + "/report.html");
            });
            assertThat(CliRun.command(work, "status", batchId).output()).contains("proof: AWAITING_APPROVAL");

            CliRun again = CliRun.run(work, args(sandbox, "--proof", "5"));
            assertThat(again.exitCode()).as("without --approve").isEqualTo(ExitCodes.AWAITING_APPROVAL);
            assertThat(again.output()).contains("approve " + batchId);
            assertThat(sandbox.stats().creates()).as("nothing sent without approval").isEqualTo(5);

            List<String> approveArgs = new ArrayList<>(List.of(batchId));
            approveArgs.addAll(SandboxBatch.providerArgs(sandbox));
            CliRun approve = CliRun.command(work, "approve", approveArgs.toArray(String[]::new));
            assertThat(approve.exitCode()).as(approve.output()).isEqualTo(ExitCodes.COMPLETED);
            assertThat(sandbox.stats().creates()).isEqualTo(SampleCatalogue.VALID);
            assertThat(sandbox.stats().createsByPrompt().values()).as("no row was sent twice").allMatch(n -> n == 1);
            assertThat(report(batchId).stream().filter(r -> r.get("status").equals("SUCCEEDED")))
                    .hasSize(SampleCatalogue.VALID);
            assertThat(CliRun.command(work, "status", batchId).output()).contains("proof: APPROVED");
        } finally {
            hook.stop(0);
        }
    }

    @Test
    void aRejectedProofSendsNothingMoreAndKeepsItsRowsHeldAsRejected() throws Exception {
        try (SandboxProvider sandbox = start()) {
            CliRun proof = CliRun.run(work, args(sandbox, "--proof", "5"));
            assertThat(proof.exitCode()).as(proof.output()).isEqualTo(ExitCodes.AWAITING_APPROVAL);
            String batchId = proof.batchId();

            CliRun reject = CliRun.command(work, "reject", batchId);
            assertThat(reject.exitCode()).as(reject.output()).isEqualTo(ExitCodes.COMPLETED);
            CliRun again = CliRun.run(work, args(sandbox, "--proof", "5"));
            assertThat(again.exitCode()).isEqualTo(ExitCodes.COMPLETED);
            assertThat(sandbox.stats().creates()).as("nothing sent after the proof").isEqualTo(5);
            assertThat(CliRun.command(work, "status", batchId).output()).contains("proof: REJECTED")
                    .contains((SampleCatalogue.VALID - 5) + " HELD");
        }
    }

    @Test
    void aRejectRewritesTheReportContactSheetAndManifestWithTheRowsHeldAsRejected() throws Exception {
        try (SandboxProvider sandbox = start()) {
            CliRun proof = CliRun.run(work, args(sandbox, "--proof", "5"));
            assertThat(proof.exitCode()).as(proof.output()).isEqualTo(ExitCodes.AWAITING_APPROVAL);
            String batchId = proof.batchId();

            CliRun reject = CliRun.command(work, "reject", batchId);
            assertThat(reject.exitCode()).as(reject.output()).isEqualTo(ExitCodes.COMPLETED);

            List<CSVRecord> report = report(batchId);
            assertThat(report.stream().filter(r -> r.get("status").equals("SUCCEEDED"))).hasSize(5);
            assertThat(report.stream().filter(r -> r.get("status").equals("HELD"))).hasSize(SampleCatalogue.VALID - 5)
                    .allSatisfy(r -> assertThat(r.get("error")).isEqualTo("proof: rejected"));
            assertThat(Files.readString(SandboxBatch.file(work, batchId, "report.html"), StandardCharsets.UTF_8))
                    .contains("proof: rejected").doesNotContain("proof: awaiting approval");
            BatchManifest manifest = BatchManifest.fromJson(Files.readString(
                    SandboxBatch.file(work, batchId, BatchManifest.FILE_NAME), StandardCharsets.UTF_8));
            assertThat(manifest.proof().state()).isEqualTo("REJECTED");
            assertThat(manifest.count(ReportStatus.HELD)).isEqualTo(SampleCatalogue.VALID - 5);
            assertThat(manifest.count(ReportStatus.SUCCEEDED)).isEqualTo(5);
            assertThat(CliRun.command(work, "status", batchId).output()).contains("proof: REJECTED");
            assertThat(sandbox.stats().creates()).isEqualTo(5);
        }
    }

    /** A reject whose report cannot be written is done all the same, says so, and a second reject writes it. */
    @Test
    void aRejectWhoseReportCannotBeWrittenExitsOneAndRejectingAgainWritesIt() throws Exception {
        try (SandboxProvider sandbox = start()) {
            CliRun proof = CliRun.run(work, args(sandbox, "--proof", "5"));
            assertThat(proof.exitCode()).as(proof.output()).isEqualTo(ExitCodes.AWAITING_APPROVAL);
            String batchId = proof.batchId();
            Path batchFolder = work.resolve("out").resolve(batchId);
            // the batch's folder replaced by a file: nothing can be written under it
            org.springframework.util.FileSystemUtils.deleteRecursively(batchFolder);
            Files.writeString(batchFolder, "not a folder");

            CliRun broken = CliRun.command(work, "reject", batchId);
            assertThat(broken.exitCode()).as(broken.output()).isEqualTo(ExitCodes.FAILED);
            assertThat(broken.output()).contains("proof rejected")
                    .contains("its report could not be written again").contains("run reject " + batchId + " again");
            assertThat(CliRun.command(work, "status", batchId).output()).contains("proof: REJECTED");

            Files.delete(batchFolder);
            CliRun again = CliRun.command(work, "reject", batchId);
            assertThat(again.exitCode()).as(again.output()).isEqualTo(ExitCodes.COMPLETED);
            assertThat(again.output()).contains("rejected already");
            assertThat(report(batchId).stream().filter(r -> r.get("status").equals("HELD")))
                    .hasSize(SampleCatalogue.VALID - 5)
                    .allSatisfy(r -> assertThat(r.get("error")).isEqualTo("proof: rejected"));
            assertThat(sandbox.stats().creates()).isEqualTo(5);
        }
    }

    /** The batch's lock held by another process, as RunBatchLockTest holds it: reject waits for no one. */
    @Test
    void aRejectWhileAnotherProcessHoldsTheBatchChangesNothingAndSaysWhatToDo() throws Exception {
        try (SandboxProvider sandbox = start()) {
            CliRun proof = CliRun.run(work, args(sandbox, "--proof", "5"));
            assertThat(proof.exitCode()).as(proof.output()).isEqualTo(ExitCodes.AWAITING_APPROVAL);
            String batchId = proof.batchId();

            Lock other = AnotherProcessLock.hold(work, BatchLocks.batchKey(batchId));
            try {
                CliRun refused = CliRun.command(work, "reject", batchId);
                assertThat(refused.exitCode()).as(refused.output()).isEqualTo(ExitCodes.FAILED);
                assertThat(refused.output()).contains("Batch " + batchId + " is held by")
                        .contains("nothing was rejected. Run reject " + batchId + " again once that has ended");
            } finally {
                other.unlock();
            }
            assertThat(CliRun.command(work, "status", batchId).output()).contains("proof: AWAITING_APPROVAL");
            assertThat(report(batchId).stream().filter(r -> r.get("status").equals("HELD")))
                    .hasSize(SampleCatalogue.VALID - 5)
                    .allSatisfy(r -> assertThat(r.get("error")).isEqualTo("proof: awaiting approval"));

            CliRun reject = CliRun.command(work, "reject", batchId);
            assertThat(reject.exitCode()).as(reject.output()).isEqualTo(ExitCodes.COMPLETED);
            assertThat(CliRun.command(work, "status", batchId).output()).contains("proof: REJECTED");
            assertThat(sandbox.stats().creates()).isEqualTo(5);
        }
    }

    @Test
    void anApprovedProofStillKeepsToTheBudgetAndHoldsWhatDoesNotFit() throws Exception {
        try (SandboxProvider sandbox = start()) {
            CliRun proof = CliRun.run(work, args(sandbox, "--proof", "5", "--budget", "0.50", PRICE));
            assertThat(proof.exitCode()).as(proof.output()).isEqualTo(ExitCodes.AWAITING_APPROVAL);
            String batchId = proof.batchId();
            assertThat(sandbox.stats().creates()).isEqualTo(5);

            CliRun approve = CliRun.run(work, args(sandbox, "--approve", PRICE));
            assertThat(approve.exitCode()).as(approve.output()).isEqualTo(ExitCodes.HELD);
            assertThat(sandbox.stats().creates()).as("0.50 pays for 12 rows").isEqualTo(12);
            assertThat(sandbox.stats().createsByPrompt().values()).allMatch(n -> n == 1);
            assertThat(report(batchId).stream().filter(r -> r.get("status").equals("HELD")))
                    .hasSize(SampleCatalogue.VALID - 12)
                    .allSatisfy(r -> assertThat(r.get("error"))
                            .isEqualTo("budget: 0.48 of 0.50 USD committed, this row costs 0.04"));
        }
    }

    @Test
    void aJobFilesProofIsAProofRunAndAProofThatIsNotAWholeNumberIsAUsageError() throws Exception {
        try (SandboxProvider sandbox = start()) {
            Path bad = Files.writeString(work.resolve("bad.yml"), "proof: many\n");
            List<String> badArgs = new ArrayList<>(List.of(bad.toString()));
            badArgs.addAll(List.of(args(sandbox)));
            CliRun refused = CliRun.run(work, badArgs.toArray(String[]::new));
            assertThat(refused.exitCode()).isEqualTo(ExitCodes.USAGE);
            assertThat(refused.output()).contains("job file " + bad + ": proof: 'many' is not a whole number");
            assertThat(sandbox.stats().creates()).isZero();

            Path job = Files.writeString(work.resolve("job.yml"), "proof: 3\n");
            List<String> jobArgs = new ArrayList<>(List.of(job.toString()));
            jobArgs.addAll(List.of(args(sandbox)));
            CliRun proof = CliRun.run(work, jobArgs.toArray(String[]::new));
            assertThat(proof.exitCode()).as(proof.output()).isEqualTo(ExitCodes.AWAITING_APPROVAL);
            assertThat(sandbox.stats().creates()).isEqualTo(3);
        }
    }

    private static SandboxProvider start() {
        return SandboxBatch.start(0);
    }

    private String[] args(SandboxProvider sandbox, String... more) {
        return SandboxBatch.args(work, sandbox, more);
    }

    /** @return the resolution column of a data row of the sample catalogue (1-based) */
    private static String resolutionOf(long rowNumber) {
        try (Reader in = Files.newBufferedReader(SampleCatalogue.FILE)) {
            return CSVFormat.RFC4180.builder().setHeader().setSkipHeaderRecord(true).get().parse(in).getRecords()
                    .get((int) rowNumber - 1).get("resolution");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private List<CSVRecord> report(String batchId) {
        return SandboxBatch.report(work, batchId);
    }
}
