package io.imagebatch.testsupport;

import io.imagebatch.sandbox.SandboxProvider;
import io.imagebatch.sandbox.SandboxSettings;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVRecord;

/**
 * The scaffolding of the command-line tests that run the sample catalogue ({@link SampleCatalogue}) against the
 * sandbox as LiangXin into a folder of the test: a quick sandbox, the {@code run} arguments, and the batch's
 * {@code report.csv} as read back by a user.
 */
public final class SandboxBatch {

    private SandboxBatch() {
    }

    /**
     * Starts a sandbox whose generations take 50 to 200 ms.
     *
     * @param failureRate the share of generations that fail, 0 to 1
     * @return the started sandbox; close it
     */
    public static SandboxProvider start(double failureRate) {
        return SandboxProvider.start(SandboxSettings.defaults().withFailureRate(failureRate)
                .withGenerationTime(Duration.ofMillis(50), Duration.ofMillis(200)));
    }

    /**
     * @param sandbox the sandbox
     * @return the settings that point LiangXin at it (base URL, its API key, downloads from loopback allowed), as
     *         command-line arguments; for commands that take a batch id ({@code approve}, {@code retry-failed})
     */
    public static List<String> providerArgs(SandboxProvider sandbox) {
        return List.of("--imagebatch.providers.liangxin.base-url=" + sandbox.baseUrl(),
                "--imagebatch.providers.liangxin.api-key=" + SandboxProvider.API_KEY,
                "--imagebatch.download.allow-private-networks=true");
    }

    /**
     * The arguments of {@code run} for the sample catalogue, read as {@code jobs/demo.yml} does, into
     * {@code file:<work>/out}.
     *
     * @param work    the test's folder
     * @param sandbox the sandbox
     * @param more    further arguments, appended
     * @return the arguments (after {@code run})
     */
    public static String[] args(Path work, SandboxProvider sandbox, String... more) {
        List<String> args = new ArrayList<>(SampleCatalogue.options());
        args.addAll(List.of("--output", "file:" + work.resolve("out")));
        args.addAll(providerArgs(sandbox));
        args.addAll(List.of(more));
        return args.toArray(String[]::new);
    }

    /**
     * @param work    the test's folder, as given to {@link #args}
     * @param batchId the batch
     * @return the lines of the batch's {@code report.csv}, by header
     * @throws UncheckedIOException when it cannot be read
     */
    public static List<CSVRecord> report(Path work, String batchId) {
        try (Reader in = Files.newBufferedReader(work.resolve("out").resolve(batchId).resolve("report.csv"))) {
            return CSVFormat.RFC4180.builder().setHeader().setSkipHeaderRecord(true).get().parse(in).getRecords();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * @param work    the test's folder, as given to {@link #args}
     * @param batchId the batch
     * @param file    a file of the batch's folder, e.g. {@code manifest.json}
     * @return where it is
     */
    public static Path file(Path work, String batchId, String file) {
        return work.resolve("out").resolve(batchId).resolve(file);
    }
}
