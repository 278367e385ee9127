package io.imagebatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.imagebatch.app.ExitCodes;
import io.imagebatch.report.BatchManifest;
import io.imagebatch.report.ReportStatus;
import io.imagebatch.sandbox.SandboxProvider;
import io.imagebatch.testsupport.CliRun;
import io.imagebatch.testsupport.SampleCatalogue;
import io.imagebatch.testsupport.SandboxBatch;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.commons.csv.CSVRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The batch budget from the command line to the sandbox and back (README, Spend; docs/design.md, Spend): a budget
 * sends exactly the rows it pays for and holds the rest with the amounts (exit 3), a larger budget sends the held
 * rows and nothing else, and a budget that cannot be checked stops the run before anything is sent (exit 2).
 */
class BatchBudgetTest {

    /** 0.04 a row: a budget of 0.50 pays for floor(0.50 / 0.04) = 12 of the sample's 40 valid rows. */
    private static final String PRICE = "--imagebatch.providers.liangxin.price-per-image=0.04";

    @TempDir
    Path work;

    @Test
    void aBudgetSendsTheRowsItPaysForHoldsTheRestAndALargerBudgetSendsOnlyTheHeldRows() throws Exception {
        try (SandboxProvider sandbox = start(0)) {
            CliRun first = CliRun.run(work, args(sandbox, "--budget", "0.50", PRICE));
            assertThat(first.exitCode()).as("held: the budget is spent").isEqualTo(ExitCodes.HELD);
            String batchId = first.batchId();
            assertThat(sandbox.stats().creates()).isEqualTo(12);
            assertThat(first.output()).contains("spend: 0.48 USD committed of a budget of 0.50")
                    .contains("28 row(s) HELD");
            List<CSVRecord> report = report(batchId);
            assertThat(report.stream().filter(r -> r.get("status").equals("SUCCEEDED"))).hasSize(12);
            assertThat(report.stream().filter(r -> r.get("status").equals("HELD"))).hasSize(28)
                    .allSatisfy(r -> assertThat(r.get("error"))
                            .isEqualTo("budget: 0.48 of 0.50 USD committed, this row costs 0.04"));
            assertThat(Files.readString(work.resolve("out").resolve(batchId).resolve("report.html"),
                    StandardCharsets.UTF_8)).contains("budget: 0.48 of 0.50 USD committed, this row costs 0.04");

            BatchManifest manifest = BatchManifest.fromJson(Files.readString(work.resolve("out").resolve(batchId)
                    .resolve(BatchManifest.FILE_NAME), StandardCharsets.UTF_8));
            assertThat(manifest.count(ReportStatus.HELD)).isEqualTo(28);
            assertThat(manifest.spend().currency()).isEqualTo("USD");
            assertThat(manifest.spend().budget()).isEqualByComparingTo("0.50");
            assertThat(manifest.spend().committed()).isEqualByComparingTo("0.48");
            assertThat(manifest.spend().refunded()).isEqualByComparingTo("0");

            CliRun status = CliRun.command(work, "status", batchId, PRICE);
            assertThat(status.output()).contains("28 HELD").contains("spend: 0.48 USD committed of a budget of"
                    + " 0.50, 0.00 refunded");

            CliRun larger = CliRun.run(work, args(sandbox, "--budget", "5.00 USD", PRICE));
            assertThat(larger.exitCode()).isEqualTo(ExitCodes.COMPLETED);
            assertThat(larger.batchId()).as("the budget is not part of the batch identity").isEqualTo(batchId);
            assertThat(sandbox.stats().creates()).isEqualTo(SampleCatalogue.VALID);
            assertThat(sandbox.stats().createsByPrompt().values()).as("no row was sent twice").allMatch(n -> n == 1);
            assertThat(larger.output()).contains("spend: 1.60 USD committed of a budget of 5.00");
            assertThat(report(batchId).stream().filter(r -> r.get("status").equals("SUCCEEDED")))
                    .hasSize(SampleCatalogue.VALID);
        }
    }

    @Test
    void aProviderKeysDailyBudgetHoldsTheRowsPastItWithItsReason() throws Exception {
        try (SandboxProvider sandbox = start(0)) {
            CliRun run = CliRun.run(work, args(sandbox, PRICE, "--imagebatch.providers.liangxin.daily-budget=0.20"));

            assertThat(run.exitCode()).as("held: the daily budget is spent").isEqualTo(ExitCodes.HELD);
            assertThat(sandbox.stats().creates()).isEqualTo(5);
            List<CSVRecord> report = report(run.batchId());
            assertThat(report.stream().filter(r -> r.get("status").equals("SUCCEEDED"))).hasSize(5);
            assertThat(report.stream().filter(r -> r.get("status").equals("HELD"))).hasSize(SampleCatalogue.VALID - 5)
                    .allSatisfy(r -> assertThat(r.get("error")).isEqualTo(
                            "daily budget: 0.20 of 0.20 USD committed today for liangxin, this row costs 0.04"));
        }
    }

    @Test
    void aBudgetThatIsNotAPositiveAmountInTheCurrencyIsAUsageErrorBeforeAnythingIsSent() throws Exception {
        try (SandboxProvider sandbox = start(0)) {
            CliRun notANumber = CliRun.run(work, args(sandbox, "--budget", "fifty", PRICE));
            assertThat(notANumber.exitCode()).isEqualTo(ExitCodes.USAGE);
            assertThat(notANumber.output()).contains("--budget: 'fifty' is not a decimal number");
            CliRun otherCurrency = CliRun.run(work, args(sandbox, "--budget", "50 EUR", PRICE));
            assertThat(otherCurrency.exitCode()).isEqualTo(ExitCodes.USAGE);
            assertThat(otherCurrency.output()).contains("--budget: '50 EUR' is in EUR, but prices are in USD");
            CliRun zero = CliRun.run(work, args(sandbox, "--budget", "0", PRICE));
            assertThat(zero.exitCode()).isEqualTo(ExitCodes.USAGE);
            assertThat(zero.output()).contains("--budget: '0' is not positive");
            assertThat(sandbox.stats().creates()).isZero();
        }
    }

    @Test
    void aJobFilesBudgetIsCheckedAndNamedByTheJobFile() throws Exception {
        try (SandboxProvider sandbox = start(0)) {
            Path job = Files.writeString(work.resolve("job.yml"), "budget: 50 credits\n");
            List<String> args = new ArrayList<>(List.of(job.toString()));
            args.addAll(List.of(args(sandbox, PRICE)));
            CliRun run = CliRun.run(work, args.toArray(String[]::new));
            assertThat(run.exitCode()).isEqualTo(ExitCodes.USAGE);
            assertThat(run.output()).contains("job file " + job + ": budget: '50 credits' is in credits, but prices"
                    + " are in USD");
            assertThat(sandbox.stats().creates()).isZero();
        }
    }

    @Test
    void aBudgetWithRowsWithoutAPriceIsAUsageErrorNamingThemBeforeAnythingIsSent() throws Exception {
        try (SandboxProvider sandbox = start(0)) {
            CliRun run = CliRun.run(work, args(sandbox, "--budget", "50"));
            assertThat(run.exitCode()).isEqualTo(ExitCodes.USAGE);
            assertThat(run.output()).contains("a budget needs the price of every row, and none is configured for"
                    + " liangxin/");
            assertThat(sandbox.stats().creates()).isZero();
        }
    }

    @Test
    void failedGenerationsOfAProviderThatDoesNotChargeThemAreRefunded() throws Exception {
        try (SandboxProvider sandbox = start(1)) {
            CliRun run = CliRun.run(work, args(sandbox, "--budget", "5", PRICE,
                    "--imagebatch.providers.liangxin.charges-failed=false"));
            assertThat(run.exitCode()).isEqualTo(ExitCodes.COMPLETED);
            assertThat(sandbox.stats().creates()).isEqualTo(SampleCatalogue.VALID);
            assertThat(run.output()).contains("40 FAILED")
                    .contains("spend: 0.00 USD committed of a budget of 5.00, 1.60 refunded");
        }
    }

    @Test
    void validateReportsWhatTheBudgetWouldHold() throws Exception {
        try (SandboxProvider sandbox = start(0)) {
            List<String> args = new ArrayList<>(List.of("validate"));
            args.addAll(List.of(args(sandbox, "--budget", "0.50", PRICE)));
            CliRun validate = CliRun.command(work, args.get(0), args.subList(1, args.size()).toArray(String[]::new));
            assertThat(validate.exitCode()).isEqualTo(ExitCodes.COMPLETED);
            assertThat(validate.output()).contains("Budget 0.50 USD (0.00 committed): 12 row(s) would be sent for"
                    + " 0.48, 28 would be HELD");
            assertThat(sandbox.stats().creates()).isZero();
        }
    }

    /**
     * The third source of a budget, after --budget and the job file: the environment ({@code IMAGEBATCH_BUDGET},
     * which Spring's environment reads as {@code imagebatch.budget}; set here as that system property, the same
     * environment's other source, since a test cannot change its own process's environment variables).
     */
    @Test
    void aBudgetFromTheEnvironmentAppliesWhenNoOptionOrJobFileGivesOne() throws Exception {
        try (SandboxProvider sandbox = start(0)) {
            System.setProperty("imagebatch.budget", "0.20");
            CliRun validate;
            try {
                List<String> args = new ArrayList<>(List.of(args(sandbox, PRICE)));
                validate = CliRun.command(work, "validate", args.toArray(String[]::new));
            } finally {
                System.clearProperty("imagebatch.budget");
            }
            assertThat(validate.exitCode()).isEqualTo(ExitCodes.COMPLETED);
            assertThat(validate.output()).contains("Budget 0.20 USD (0.00 committed): 5 row(s) would be sent for"
                    + " 0.20, 35 would be HELD");
            assertThat(sandbox.stats().creates()).isZero();
        }
    }

    private static SandboxProvider start(double failureRate) {
        return SandboxBatch.start(failureRate);
    }

    private String[] args(SandboxProvider sandbox, String... more) {
        return SandboxBatch.args(work, sandbox, more);
    }

    private List<CSVRecord> report(String batchId) {
        return SandboxBatch.report(work, batchId);
    }
}
