package io.imagebatch.cli;

import io.imagebatch.app.BatchRunner;
import io.imagebatch.app.BatchSettingsResolver;
import io.imagebatch.app.CommandLineParsing;
import io.imagebatch.app.ExitCodes;
import io.imagebatch.app.FallbackCheck;
import io.imagebatch.app.JobFile;
import io.imagebatch.app.RunCommandLine;
import io.imagebatch.app.RunOptions;
import io.imagebatch.app.UsageException;
import io.imagebatch.job.BatchSettings;
import io.imagebatch.sandbox.SandboxProvider;
import io.imagebatch.serve.ServeCommandLine;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.BiFunction;
import org.springframework.context.ConfigurableApplicationContext;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Unmatched;

/**
 * The commands of the command line, as picocli commands (README, "Running a batch" and "Other commands"): each
 * parses its options with picocli ({@link CommandLineParsing}), has its own {@code --help}, and returns its
 * exit code ({@link ExitCodes}). {@link ImageBatchCli} puts them together.
 */
final class CliCommands {

    /** The footer of every command that takes Spring settings. */
    static final String SETTINGS_FOOTER = "%n  --NAME.X=V                 any setting, e.g."
            + " --spring.datasource.url=jdbc:postgresql://...%n";

    private CliCommands() {
    }

    /** What every command has: {@code -h}/{@code --help}, and where it prints. */
    abstract static class Base implements Callable<Integer> {

        @Option(names = {"-h", "--help"}, usageHelp = true, description = "show this command's help and exit")
        boolean help;

        @Unmatched
        List<String> unmatched = new ArrayList<>();

        final PrintStream out;

        Base(PrintStream out) {
            this.out = out;
        }
    }

    /** {@code run [JOB_FILE] [OPTIONS]}. */
    @Command(name = "run", description = "start a batch, or resume it where it stopped", footer = SETTINGS_FOOTER)
    static final class Run extends Base {

        @Mixin
        RunCommandLine options;

        Run(PrintStream out) {
            super(out);
        }

        @Override
        public Integer call() {
            RunOptions o = options.toOptions(unmatched);
            JobFile jobFile = o.jobFile() == null ? null : JobFile.load(Path.of(o.jobFile()));
            BatchSettings settings = BatchSettingsResolver.resolve(o, jobFile);
            Integer partitions = options.partitions(jobFile); // checked before anything starts
            List<String> springArgs = new ArrayList<>(o.springArgs());
            boolean sandbox = o.sandbox() || (jobFile != null && jobFile.sandbox() != null);
            SandboxProvider sandboxProvider = null;
            try {
                if (sandbox) {
                    SandboxSetup.Switches switches = SandboxSetup.switches(jobFile);
                    sandboxProvider = SandboxProvider.start(SandboxSetup.settings(jobFile));
                    switches.applyTo(sandboxProvider);
                    out.println("Sandbox provider listening on " + sandboxProvider.baseUrl());
                    springArgs.addAll(SandboxSetup.springArgs(sandboxProvider));
                }
                return SpringCommand.run(springArgs, out, context -> SpringCommand.shared(context,
                        () -> checkedFallbacks(jobFile, settings, context).run(settings, options.budget(jobFile),
                                options.proof(jobFile), options.approve(), partitions, out)));
            } finally {
                if (sandboxProvider != null) {
                    sandboxProvider.close();
                }
            }
        }
    }

    /**
     * Checks the job file's {@code fallback:} list against the configured providers ({@link FallbackCheck}) before
     * anything is sent.
     *
     * @return the batch runner, to run or validate the batch with
     * @throws UsageException when the list names a provider or model that cannot take rows (exit 2)
     */
    static BatchRunner checkedFallbacks(JobFile jobFile, BatchSettings settings,
            org.springframework.context.ApplicationContext context) {
        FallbackCheck.check(jobFile, settings.provider(), settings.model(),
                context.getBean(io.imagebatch.provider.ProviderRegistry.class));
        return context.getBean(BatchRunner.class);
    }

    /** {@code validate [JOB_FILE] [OPTIONS]}. */
    @Command(name = "validate", description = "check every row as run would, and send nothing",
            footer = SETTINGS_FOOTER)
    static final class Validate extends Base {

        @Mixin
        RunCommandLine options;

        /** {@code --format text|json}: json prints one JSON document and nothing else (README.md, Spend). */
        @Option(names = "--format", paramLabel = "FORMAT", defaultValue = "text",
                description = "text (default) or json: the findings and the spend estimate as one JSON document")
        String format;

        Validate(PrintStream out) {
            super(out);
        }

        @Override
        public Integer call() {
            if (!format.equals("text") && !format.equals("json")) {
                throw new UsageException("--format: '" + format + "' is neither text nor json");
            }
            RunOptions o = options.toOptions(unmatched);
            JobFile jobFile = o.jobFile() == null ? null : JobFile.load(Path.of(o.jobFile()));
            BatchSettings settings = BatchSettingsResolver.resolve(o, jobFile);
            // the small application of the commands that answer at once (README.md, Performance)
            return SpringCommand.fast(FastCommandConfiguration.Validate.class, o.springArgs(), out, context -> {
                FallbackCheck.check(jobFile, settings.provider(), settings.model(),
                        context.getBean(io.imagebatch.provider.ProviderRegistry.class));
                return BatchRunner.validate(context.getBean(io.imagebatch.app.BatchSpendCheck.class),
                        context.getBean(io.imagebatch.job.BatchPreflight.class), settings, options.budget(jobFile),
                        out, format.equals("json"));
            });
        }
    }

    /** A command on one batch: {@code BATCH} and Spring settings. */
    abstract static class OnBatch extends Base {

        @Parameters(arity = "0..1", paramLabel = "BATCH", description = "the batch id (status lists the batches)")
        String batchId;

        OnBatch(PrintStream out) {
            super(out);
        }

        /**
         * Runs {@code command} on {@link BatchCommands} in a Spring context.
         *
         * @param batchRequired whether {@code BATCH} must be given
         * @param runsBatches   whether the command runs a batch (then its H2 file is shared meanwhile)
         * @param command       the command, given the batch id (null when not given)
         * @return its exit code
         * @throws UsageException for a missing or second batch id, an unknown option, or a setting without value
         */
        int onBatch(boolean batchRequired, boolean runsBatches,
                BiFunction<BatchCommands, String, Integer> command) {
            String[] batch = {batchId};
            List<String> springArgs = springArgs(batchRequired, batch);
            if (!runsBatches) { // no web server for a command that runs no batch (SpringCommand#withoutWeb)
                return SpringCommand.withoutWeb(springArgs, out,
                        context -> command.apply(context.getBean(BatchCommands.class), batch[0]));
            }
            return SpringCommand.run(springArgs, out, (ConfigurableApplicationContext context) ->
                    SpringCommand.shared(context, () -> command.apply(context.getBean(BatchCommands.class),
                            batch[0])));
        }

        /**
         * Splits the command's unmatched arguments into the batch id and the Spring settings.
         *
         * @param batchRequired whether {@code BATCH} must be given
         * @param batch         one element: the batch id picocli read, or null; set to the one found among the
         *                      unmatched arguments when none was read
         * @return the {@code --NAME.X=V} settings
         * @throws UsageException for a missing or second batch id, an unknown option, or a setting without value
         */
        List<String> springArgs(boolean batchRequired, String[] batch) {
            List<String> springArgs = CommandLineParsing.springSettings(unmatched, CommandLineParsing::unknownOption,
                    stray -> {
                        if (batch[0] == null) {
                            batch[0] = stray;
                            return null;
                        }
                        return "only one batch id can be given";
                    });
            if (batchRequired && batch[0] == null) {
                throw new UsageException("give the batch id (status lists the batches)");
            }
            return springArgs;
        }
    }

    /** {@code status [BATCH]}. */
    @Command(name = "status", description = "a batch's counts per state, last run, last error; or the recent"
            + " batches", footer = SETTINGS_FOOTER)
    static final class Status extends OnBatch {

        Status(PrintStream out) {
            super(out);
        }

        @Override
        public Integer call() {
            String[] batch = {batchId};
            List<String> springArgs = springArgs(false, batch);
            // the small application of the commands that answer at once (README.md, Performance)
            return SpringCommand.fast(FastCommandConfiguration.Status.class, springArgs, out,
                    context -> context.getBean(BatchStatusReport.class).print(batch[0], out));
        }
    }

    /** {@code restart BATCH}. */
    @Command(name = "restart", description = "resume a failed or stopped batch where it stopped",
            footer = SETTINGS_FOOTER)
    static final class Restart extends OnBatch {

        Restart(PrintStream out) {
            super(out);
        }

        @Override
        public Integer call() {
            return onBatch(true, true, (c, id) -> c.restart(id, out));
        }
    }

    /** {@code approve BATCH}: approves a proof run (README.md, Spend, "The proof run"). */
    @Command(name = "approve", description = "approve a batch's proof run: send the rows it held, within the budget",
            footer = SETTINGS_FOOTER)
    static final class Approve extends OnBatch {

        Approve(PrintStream out) {
            super(out);
        }

        @Override
        public Integer call() {
            return onBatch(true, true, (c, id) -> c.approve(id, out));
        }
    }

    /** {@code reject BATCH}: rejects a proof run (README.md, Spend, "The proof run"). */
    @Command(name = "reject", description = "reject a batch's proof run: send nothing more", footer = SETTINGS_FOOTER)
    static final class Reject extends OnBatch {

        Reject(PrintStream out) {
            super(out);
        }

        @Override
        public Integer call() {
            return onBatch(true, false, (c, id) -> c.reject(id, out));
        }
    }

    /** {@code retry-failed BATCH [--include-uncertain] [--include-rejected] [--include-content-policy]}. */
    @Command(name = "retry-failed", description = {"send the batch's FAILED rows again; earlier attempts stay in"
            + " the ledger"}, footer = SETTINGS_FOOTER)
    static final class RetryFailed extends OnBatch {

        @Option(names = "--include-uncertain", negatable = true, arity = "0..1", fallbackValue = "true",
                paramLabel = "true|false",
                description = "also the UNCERTAIN rows, which may be paid for twice")
        boolean includeUncertain;

        @Option(names = BatchCommands.INCLUDE_REJECTED, negatable = true, arity = "0..1", fallbackValue = "true",
                paramLabel = "true|false",
                description = "also the rows a provider's answer REJECTED")
        boolean includeRejected;

        @Option(names = BatchCommands.INCLUDE_CONTENT_POLICY, negatable = true, arity = "0..1",
                fallbackValue = "true", paramLabel = "true|false",
                description = "also the rows a provider refused for its content policy (content_policy)")
        boolean includeContentPolicy;

        RetryFailed(PrintStream out) {
            super(out);
        }

        @Override
        public Integer call() {
            return onBatch(true, true, (c, id) -> c.retryFailed(id, includeUncertain, includeRejected,
                    includeContentPolicy, out));
        }
    }

    /** {@code redo BATCH ROW_NUM --prompt TEXT}: redo one row with an edited prompt (README, "Redo a row"). */
    @Command(name = "redo", description = {"send one row of a finished batch again with an edited prompt, then run"
            + " the batch; the earlier attempt and its image stay in the row's history"}, footer = SETTINGS_FOOTER)
    static final class Redo extends OnBatch {

        @Parameters(index = "1", arity = "0..1", paramLabel = "ROW_NUM",
                description = "the row's number in the catalogue (1 = first data row; the report's row_number)")
        Long rowNum;

        @Option(names = "--prompt", required = true, paramLabel = "TEXT", description = "the row's new prompt")
        String prompt;

        @Option(names = "--variant", paramLabel = "K", defaultValue = "1",
                description = "the row's variant to redo, 1 to 8 (README.md, Variants; default 1)")
        int variant;

        Redo(PrintStream out) {
            super(out);
        }

        @Override
        public Integer call() {
            if (rowNum == null) {
                throw new UsageException("give the batch id and the row's number: redo BATCH ROW_NUM --prompt TEXT");
            }
            if (rowNum < 1) {
                throw new UsageException("ROW_NUM " + rowNum + ": rows are numbered from 1 (the first data row)");
            }
            if (variant < 1 || variant > io.imagebatch.job.BatchSettings.MAX_VARIANTS) {
                throw new UsageException("--variant " + variant + ": variants are numbered from 1 to "
                        + io.imagebatch.job.BatchSettings.MAX_VARIANTS);
            }
            return onBatch(true, true, (c, id) -> c.redo(id, rowNum, variant, prompt, out));
        }
    }

    /** {@code choose BATCH ROW_NUM K}: pick one of a row's variants (README.md, Variants). */
    @Command(name = "choose", description = {"copy variant K of a row to the row's own name (<row id>.<ext>) and"
            + " record the choice in report.csv and manifest.json; choosing again replaces it"},
            footer = SETTINGS_FOOTER)
    static final class Choose extends OnBatch {

        @Parameters(index = "1", arity = "0..1", paramLabel = "ROW_NUM",
                description = "the row's number in the catalogue (1 = first data row; the report's row_number)")
        Long rowNum;

        @Parameters(index = "2", arity = "0..1", paramLabel = "K",
                description = "the variant to choose, 1 to 8 (the report's variant)")
        Integer variant;

        Choose(PrintStream out) {
            super(out);
        }

        @Override
        public Integer call() {
            if (rowNum == null || variant == null) {
                throw new UsageException("give the batch id, the row's number and the variant: choose BATCH ROW_NUM K");
            }
            if (rowNum < 1) {
                throw new UsageException("ROW_NUM " + rowNum + ": rows are numbered from 1 (the first data row)");
            }
            if (variant < 1 || variant > io.imagebatch.job.BatchSettings.MAX_VARIANTS) {
                throw new UsageException("K " + variant + ": variants are numbered from 1 to "
                        + io.imagebatch.job.BatchSettings.MAX_VARIANTS);
            }
            return onBatch(true, false, (c, id) -> c.choose(id, rowNum, variant, out));
        }
    }

    /** {@code stop BATCH}. */
    @Command(name = "stop", description = "ask the process running BATCH to stop after its current chunk or pass",
            footer = SETTINGS_FOOTER)
    static final class Stop extends OnBatch {

        Stop(PrintStream out) {
            super(out);
        }

        @Override
        public Integer call() {
            return onBatch(true, false, (c, id) -> c.stop(id, out));
        }
    }

    /** {@code serve [--jobs DIR] [--sandbox]}. */
    @Command(name = "serve", description = {"keep running: run each job file of DIR when its \"schedule\" falls"
            + " due; serve the callback endpoint and Actuator (/actuator/health, /actuator/metrics,"
            + " /actuator/prometheus) on server.port (default 8080)"}, footer = SETTINGS_FOOTER)
    static final class Serve extends Base {

        @Mixin
        ServeCommandLine options;

        Serve(PrintStream out) {
            super(out);
        }

        @Override
        public Integer call() {
            return ServeLifecycle.serve(options.toOptions(unmatched), out);
        }
    }

    /** {@code completion}: prints the bash completion script. */
    @Command(name = "completion", description = {"print a bash (or zsh) completion script for the imagebatch"
            + " command, e.g. source <(java -jar imagebatch.jar completion)"})
    static final class Completion extends Base {

        @Spec
        CommandSpec spec;

        Completion(PrintStream out) {
            super(out);
        }

        @Override
        public Integer call() {
            CommandLineParsing.springSettings(unmatched, CommandLineParsing::unknownOption,
                    stray -> "completion takes no arguments (got \"" + stray + "\")");
            out.print(script(spec.root().commandLine()));
            out.flush();
            return ExitCodes.COMPLETED;
        }

        /**
         * @param root the command line of every command
         * @return picocli's bash completion script for it ({@link AutoComplete#bash}), which zsh reads too
         */
        static String script(CommandLine root) {
            return AutoComplete.bash(root.getCommandName(), root);
        }
    }
}
