package io.imagebatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.imagebatch.report.BatchManifest;
import io.imagebatch.sandbox.SandboxProvider;
import io.imagebatch.sandbox.SandboxSettings;
import io.imagebatch.testsupport.CliRun;
import io.imagebatch.testsupport.SampleCatalogue;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The spend estimate through the real command line (README.md, Spend): {@code validate} and the preflight of a
 * run print it per provider/model/resolution, a resume counts the rows already sent, a group without a price is
 * named and makes the total incomplete, {@code --format json} gives the same for machines, bad price settings
 * are refused in one line with exit 2, and {@code status} and the manifest show the batch's estimate.
 */
class SpendEstimateTest {

    private static final String PRICE = "--imagebatch.providers.liangxin.price-per-image=0.04";

    @TempDir
    Path work;

    private static List<String> demo(String... extra) {
        List<String> args = new ArrayList<>(SampleCatalogue.options());
        args.addAll(List.of(extra));
        return args;
    }

    private static BigDecimal total(String output) {
        Matcher m = Pattern.compile("total still to spend: ([0-9.]+) USD").matcher(output);
        assertThat(m.find()).as(output).isTrue();
        return new BigDecimal(m.group(1));
    }

    @Test
    void validateEstimatesTheDemoCatalogueAsValidRowsTimesThePrice() {
        CliRun validate = CliRun.command(work, "validate", demo(PRICE).toArray(String[]::new));

        assertThat(validate.exitCode()).as(validate.output()).isEqualTo(ImageBatchCli.COMPLETED);
        assertThat(total(validate.output())).isEqualByComparingTo(
                new BigDecimal("0.04").multiply(BigDecimal.valueOf(SampleCatalogue.VALID)));
        assertThat(validate.output()).contains("0 already sent, price 0.04, subtotal")
                .doesNotContain("no price for").doesNotContain("incomplete");
    }

    @Test
    void aGroupWithoutAPriceIsNamedAndTheTotalSaysItIsIncomplete() {
        CliRun validate = CliRun.command(work, "validate", demo(
                "--imagebatch.providers.liangxin.prices.some-other-model=0.04").toArray(String[]::new));

        assertThat(validate.exitCode()).as(validate.output()).isEqualTo(ImageBatchCli.COMPLETED);
        assertThat(validate.output()).containsPattern("liangxin/\\S+ 1K: \\d+ valid, 0 already sent, no price for"
                + " liangxin/\\S+ 1K").contains("total still to spend: 0.00 USD (incomplete: no price for liangxin/");
    }

    @Test
    void validateFormatJsonPrintsOnlyOneJsonDocumentThatMatchesTheText() {
        CliRun text = CliRun.command(work, "validate", demo(PRICE).toArray(String[]::new));
        CliRun json = CliRun.command(work, "validate", demo(PRICE, "--format", "json").toArray(String[]::new));

        assertThat(json.exitCode()).as(json.output()).isEqualTo(ImageBatchCli.COMPLETED);
        JsonNode doc = JsonMapper.builder().build().readTree(json.output());
        assertThat(json.output().strip().lines()).hasSize(1);
        assertThat(doc.get("valid").asLong()).isEqualTo(SampleCatalogue.VALID);
        assertThat(doc.get("rejected").asLong()).isEqualTo(SampleCatalogue.ROWS - SampleCatalogue.VALID);
        JsonNode estimate = doc.get("estimate");
        assertThat(estimate.get("currency").asString()).isEqualTo("USD");
        assertThat(estimate.get("complete").asBoolean()).isTrue();
        assertThat(estimate.get("unpriced")).isEmpty();
        assertThat(estimate.get("total").decimalValue()).isEqualByComparingTo(total(text.output()));
        BigDecimal sum = BigDecimal.ZERO;
        long valid = 0;
        for (JsonNode group : estimate.get("groups")) {
            assertThat(group.get("provider").asString()).isEqualTo("liangxin");
            assertThat(group.get("price").decimalValue()).isEqualByComparingTo("0.04");
            sum = sum.add(group.get("subtotal").decimalValue());
            valid += group.get("valid").asLong();
            assertThat(text.output()).contains(group.get("valid").asLong() + " valid, "
                    + group.get("alreadySent").asLong() + " already sent, price 0.04");
        }
        assertThat(sum).isEqualByComparingTo(estimate.get("total").decimalValue());
        assertThat(valid).isEqualTo(SampleCatalogue.VALID);
    }

    @Test
    void aRunPrintsItsEstimateBeforeSendingAndAResumeCountsRowsAlreadySentStatusAndManifestShowEstimated()
            throws Exception {
        Path catalogue = Files.writeString(work.resolve("c.csv"), "id,prompt\nU1,a red chair\nU2,a lamp\n"
                + "U3,a blue sofa\n");
        Path out = work.resolve("out");
        try (SandboxProvider sandbox = SandboxProvider.start(SandboxSettings.defaults().withFailureRate(0)
                .withGenerationTime(Duration.ofMillis(50), Duration.ofMillis(200)))) {
            String[] args = {"--catalogue", catalogue.toString(), "--output", "file:" + out,
                "--imagebatch.providers.liangxin.base-url=" + sandbox.baseUrl(),
                "--imagebatch.providers.liangxin.api-key=" + SandboxProvider.API_KEY,
                "--imagebatch.download.allow-private-networks=true", "--imagebatch.spend.currency=EUR",
                "--imagebatch.providers.liangxin.price-per-image=0.25"};

            CliRun first = CliRun.run(work, args);
            assertThat(first.exitCode()).as(first.output()).isEqualTo(ImageBatchCli.COMPLETED);
            String estimate = first.output().substring(first.output().indexOf("Estimate for batch"));
            assertThat(estimate).contains("3 valid, 0 already sent, price 0.25, subtotal 0.75 EUR")
                    .contains("total still to spend: 0.75 EUR");
            assertThat(first.output().indexOf("Estimate for batch"))
                    .isLessThan(first.output().indexOf("Starting batch"));
            String batchId = first.batchId();

            CliRun validate = CliRun.command(work, "validate", args);
            assertThat(validate.output()).contains("3 valid, 3 already sent, price 0.25, subtotal 0.00 EUR")
                    .contains("total still to spend: 0.00 EUR");

            CliRun status = CliRun.command(work, "status", batchId);
            assertThat(status.output()).contains("  estimated: 0.75 EUR");
            BatchManifest manifest = BatchManifest.fromJson(
                    Files.readString(out.resolve(batchId).resolve(BatchManifest.FILE_NAME)));
            assertThat(manifest.estimated().amount()).isEqualByComparingTo("0.75");
            assertThat(manifest.estimated().currency()).isEqualTo("EUR");
            assertThat(manifest.estimated().complete()).isTrue();
        }
    }

    @Test
    void theObservedSpendIsTheProvidersBalanceBeforeTheFirstCreateMinusAfterTheEndInCredits() throws Exception {
        Path catalogue = Files.writeString(work.resolve("c.csv"), "id,prompt\nU1,a red chair\nU2,a lamp\n"
                + "U3,a blue sofa\n");
        Path out = work.resolve("out");
        try (SandboxProvider sandbox = SandboxProvider.start(SandboxSettings.defaults().withFailureRate(0)
                .withGenerationTime(Duration.ofMillis(50), Duration.ofMillis(200)))) {
            CliRun run = CliRun.run(work, "--catalogue", catalogue.toString(), "--output", "file:" + out,
                    "--provider", "crun", "--imagebatch.providers.crun.base-url=" + sandbox.baseUrl(),
                    "--imagebatch.providers.crun.api-key=" + SandboxProvider.API_KEY,
                    "--imagebatch.download.allow-private-networks=true",
                    "--imagebatch.providers.crun.price-per-image=0.05");
            assertThat(run.exitCode()).as(run.output()).isEqualTo(ImageBatchCli.COMPLETED);
            long creates = sandbox.stats().creates();
            assertThat(creates).isEqualTo(3);

            BatchManifest manifest = BatchManifest.fromJson(
                    Files.readString(out.resolve(run.batchId()).resolve(BatchManifest.FILE_NAME)));
            // the sandbox takes one credit per created task
            assertThat(manifest.observed()).isEqualByComparingTo(BigDecimal.valueOf(creates));
            assertThat(manifest.estimated().amount()).isEqualByComparingTo("0.15");
            CliRun status = CliRun.command(work, "status", run.batchId());
            assertThat(status.output()).contains("  estimated: 0.15 USD").contains("  observed: " + creates
                    + ".00 credits").contains("in the provider's credits, not USD");
        }
    }

    @Test
    void aBadPriceOrCurrencyIsRefusedBeforeAnythingIsSentInOneLineWithExitTwo() throws Exception {
        Path catalogue = Files.writeString(work.resolve("c.csv"), "id,prompt\nU1,a red chair\n");
        try (SandboxProvider sandbox = SandboxProvider.start(SandboxSettings.defaults())) {
            String[] base = {"--catalogue", catalogue.toString(), "--output", "file:" + work.resolve("out"),
                "--imagebatch.providers.liangxin.base-url=" + sandbox.baseUrl(),
                "--imagebatch.providers.liangxin.api-key=" + SandboxProvider.API_KEY};
            for (String command : List.of("run", "validate")) {
                for (String[] bad : List.of(
                        new String[] {"--imagebatch.providers.liangxin.price-per-image=four cents",
                            "imagebatch.providers.liangxin.price-per-image: 'four cents' is not a decimal number"},
                        new String[] {"--imagebatch.providers.liangxin.prices.nano-banana-pro.4K=-1",
                            "imagebatch.providers.liangxin.prices.nano-banana-pro.4K: '-1' is negative"},
                        new String[] {"--imagebatch.spend.currency=dollars",
                            "imagebatch.spend.currency: 'dollars' is neither"})) {
                    List<String> args = new ArrayList<>(List.of(base));
                    args.add(bad[0]);
                    Console console = Console.capture(() -> CliRun.command(work, command,
                            args.toArray(String[]::new)));

                    assertThat(console.run().exitCode()).as(console.text()).isEqualTo(ImageBatchCli.USAGE);
                    assertThat(console.run().output().strip()).as(command + " " + bad[0])
                            .startsWith("imagebatch: cannot start: " + bad[1]).doesNotContain("\n");
                    assertThat(console.text()).as("no stack trace, no start-up failure log")
                            .doesNotContain("Exception").doesNotContain("\tat ");
                }
            }
            assertThat(sandbox.stats().creates()).isZero();
        }
    }

    /** Everything a command printed to the console (its log included) while it ran. */
    private record Console(CliRun run, String text) {

        static Console capture(java.util.function.Supplier<CliRun> command) {
            PrintStream stdout = System.out;
            PrintStream stderr = System.err;
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            PrintStream both = new PrintStream(bytes, true, StandardCharsets.UTF_8);
            System.setOut(both);
            System.setErr(both);
            CliRun run;
            try {
                run = command.get();
            } finally {
                System.setOut(stdout);
                System.setErr(stderr);
            }
            String text = bytes.toString(StandardCharsets.UTF_8);
            stdout.print(text);
            return new Console(run, text);
        }
    }
}
