package io.imagebatch.app;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * The options of {@code run} and {@code validate} as picocli reads them (README, "Running a batch"): the job
 * file, then options that each override the job file's setting. Mixed into both commands by the command line,
 * and read on its own by {@link RunOptions#parse}. {@link #toOptions} checks what picocli cannot and makes the
 * {@link RunOptions}.
 */
public class RunCommandLine {

    @Parameters(arity = "0..1", paramLabel = "JOB_FILE",
            description = "the job file (YAML) whose settings the options override")
    String jobFile;

    @Option(names = "--catalogue", paramLabel = "FILE", description = "the CSV (or .tsv) catalogue, or s3://...")
    String catalogue;

    @Option(names = "--provider", paramLabel = "NAME",
            description = "provider of rows without a provider column (default liangxin)")
    String provider;

    @Option(names = "--model", paramLabel = "NAME",
            description = "model of rows without a model column (default: the provider's)")
    String model;

    @Option(names = "--output", paramLabel = "URI",
            description = "s3://bucket/prefix or file:dir (default file:./output)")
    String output;

    @Option(names = "--column", paramLabel = "FIELD=HEADER",
            description = "read FIELD from another header; repeatable")
    List<String> columns = new ArrayList<>();

    @Option(names = "--prompt-template", paramLabel = "TEXT",
            description = "build the prompt from columns, e.g. \"Photo of {Title} by {Vendor}\"")
    String promptTemplate;

    @Option(names = "--delimiter", paramLabel = "C",
            description = "field separator: one character, or tab (default: tab for .tsv, else comma)")
    String delimiter;

    @Option(names = "--aspect-ratio", paramLabel = "R", description = "default aspect ratio for rows without one")
    String aspectRatio;

    @Option(names = "--resolution", paramLabel = "R", description = "default resolution for rows without one")
    String resolution;

    @Option(names = "--name", paramLabel = "NAME",
            description = "batch name (default: the job file's or the catalogue's name)")
    String name;

    @Option(names = "--sandbox", negatable = true, arity = "0..1", fallbackValue = "true",
            paramLabel = "true|false",
            description = "run against the built-in sandbox provider (no key, no network);"
                    + " --sandbox=false or --no-sandbox: not")
    boolean sandbox;

    @Option(names = "--budget", paramLabel = "AMOUNT",
            description = "the most this batch may commit, e.g. 50 or \"50.00 USD\"; rows that do not fit are HELD"
                    + " (default: the job file's budget:, or IMAGEBATCH_BUDGET)")
    String budget;

    @Option(names = "--proof", paramLabel = "N",
            description = "the batch's first run sends only N rows chosen to cover the catalogue, holds the rest"
                    + " and exits 4 until approved (default: the job file's proof:)")
    String proof;

    @Option(names = "--variants", paramLabel = "N",
            description = "make N images (1 to 8) of each row to choose from; a row's variants column overrides it"
                    + " (default: the job file's variants:, else 1)")
    String variants;

    @Option(names = "--partitions", paramLabel = "N",
            description = "split the batch into N row ranges run at the same time; a resume keeps the first run's"
                    + " split (default: the job file's partitions:, else 1)")
    String partitions;

    @Option(names = "--approve", description = "approve the batch's proof run: send the rows it held")
    boolean approve;

    /** Made by picocli, which sets the fields from the command line. */
    public RunCommandLine() {
    }

    /**
     * @param jobFile the job file the options go with, or null
     * @return the batch budget as given (docs/design.md, Spend): {@code --budget}, else the job file's
     *         {@code budget:}, else the environment's {@code IMAGEBATCH_BUDGET}; null when none is given. Checked by {@link BatchRunner}, which knows the currency
     */
    public BatchRunner.BudgetText budget(JobFile jobFile) {
        if (budget != null) {
            return new BatchRunner.BudgetText("--budget", budget);
        }
        if (jobFile != null && jobFile.budget() != null) {
            return new BatchRunner.BudgetText("job file " + jobFile.path() + ": budget", jobFile.budget());
        }
        return PreStartEnvironment.of(List.of()).getProperty("imagebatch.budget") == null ? null
                : new BatchRunner.BudgetText("IMAGEBATCH_BUDGET",
                        PreStartEnvironment.of(List.of()).getProperty("imagebatch.budget"));
    }

    /**
     * @param jobFile the job file the options go with, or null
     * @return the rows of a proof run (README.md, Spend, "The proof run"): {@code --proof}, else the job file's
     *         {@code proof:}; null when neither is given
     * @throws UsageException when {@code --proof} is not a whole number of at least 1
     */
    public Integer proof(JobFile jobFile) {
        if (proof != null) {
            return JobFile.proof("--proof", proof);
        }
        return jobFile == null ? null : jobFile.proof();
    }

    /**
     * @param jobFile the job file the options go with, or null
     * @return how many partitions the batch is split into (README.md, "More than one machine"):
     *         {@code --partitions}, else the job file's {@code partitions:}; null when neither is given
     * @throws UsageException when {@code --partitions} is not a whole number of at least 1
     */
    public Integer partitions(JobFile jobFile) {
        if (partitions != null) {
            return JobFile.partitions("--partitions", partitions);
        }
        return jobFile == null ? null : jobFile.partitions();
    }

    /** @return whether {@code --approve} was given: approve the batch's proof run */
    public boolean approve() {
        return approve;
    }

    /**
     * The options as parsed, checked.
     *
     * @param unmatched the arguments no option took: {@code --NAME.X=V} Spring settings, and the job file when
     *                  picocli left it there
     * @return the options; a column's field is checked and normalized ({@link JobFile#field}), the delimiter
     *         made one character ({@link JobFile#delimiter})
     * @throws UsageException for an unknown option, a second job file, a setting without a value, a
     *                        {@code --column} that is not {@code FIELD=HEADER} or names no catalogue field, a
     *                        delimiter that is not one character, or {@code --variants} not from 1 to 8
     */
    public RunOptions toOptions(List<String> unmatched) {
        String[] job = {jobFile};
        List<String> springArgs = CommandLineParsing.springSettings(unmatched, CommandLineParsing::unknownOption,
                stray -> {
                    if (job[0] == null) {
                        job[0] = stray;
                        return null;
                    }
                    return "only one job file can be given (got " + job[0] + " and " + stray + ")";
                });
        Map<String, String> byField = new LinkedHashMap<>();
        for (String value : columns) {
            int eq = value.indexOf('=');
            if (eq <= 0 || eq == value.length() - 1) {
                throw new UsageException("--column takes FIELD=HEADER, for example --column prompt=Prompts (got \""
                        + value + "\")");
            }
            byField.put(JobFile.field(value.substring(0, eq).trim()), value.substring(eq + 1).trim());
        }
        return new RunOptions(job[0], catalogue, provider, model, output, byField, promptTemplate,
                JobFile.delimiter(delimiter, "--delimiter"), aspectRatio, resolution, name, sandbox, springArgs,
                JobFile.variants("--variants", variants));
    }
}
