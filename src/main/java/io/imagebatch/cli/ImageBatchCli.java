package io.imagebatch.cli;

import io.imagebatch.FatalErrors;
import io.imagebatch.app.CommandLineParsing;
import io.imagebatch.app.ExitCodes;
import io.imagebatch.app.UsageException;
import io.imagebatch.catalogue.CatalogueException;
import io.imagebatch.serve.RunningServe;
import io.imagebatch.serve.ServeCommandLine;
import io.imagebatch.serve.ServeOptions;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The command line: parses the command and its options with picocli before Spring starts, so that a usage error
 * costs no start-up, then runs the command in a Spring context ({@link CliCommands}, {@link SpringCommand}).
 *
 * <p>Exit codes: {@value #COMPLETED} the batch completed (rows may be rejected or failed: the report says
 * which); {@value #FAILED} the job failed or stopped and can be resumed by running the same command again;
 * {@value #USAGE} a usage or configuration error, with a one-line message that says what to fix (README, "Exit
 * codes").
 */
public final class ImageBatchCli {

    /** Exit code: the batch completed ({@link ExitCodes#COMPLETED}). */
    public static final int COMPLETED = ExitCodes.COMPLETED;
    /** Exit code: the job failed or stopped; the same command resumes it ({@link ExitCodes#FAILED}). */
    public static final int FAILED = ExitCodes.FAILED;
    /** Exit code: usage or configuration error ({@link ExitCodes#USAGE}). */
    public static final int USAGE = ExitCodes.USAGE;

    /** Width of the help text, characters. */
    private static final int HELP_WIDTH = 110;

    /** The root command: its help lists the commands. */
    @Command(name = "imagebatch", synopsisHeading = "Usage: ",
            customSynopsis = "java -jar imagebatch.jar COMMAND [OPTIONS]",
            description = "%nTurns a CSV catalogue into AI-generated images. \"COMMAND --help\" shows a command's"
                    + " options.%n",
            commandListHeading = "%nCommands:%n",
            footer = {"%nEvery command but help and completion takes --NAME.X=V settings, e.g. --server.port=9090.",
                "SIGTERM stops a run (or serve) gracefully, like stop: the batch ends STOPPED, resumable.",
                "Exit codes: 0 completed, 1 failed or stopped (run the same command again to resume),"
                        + " 2 usage error."})
    static final class Root implements Callable<Integer> {

        @Option(names = {"-h", "--help"}, usageHelp = true, description = "show this help and exit")
        boolean help;

        @Override
        public Integer call() {
            throw new UsageException("give a command; \"help\" lists them");
        }
    }

    private ImageBatchCli() {
    }

    /**
     * Entry point of the executable jar: {@code java -jar imagebatch.jar COMMAND [OPTIONS]} (the jar's main
     * class, set in {@code pom.xml}). Ends the process with the command's exit code ({@link ExitCodes}).
     *
     * @param args the command line; {@code help} lists the commands, {@code COMMAND --help} a command's options
     */
    public static void main(String[] args) {
        FatalErrors.install(); // an OutOfMemoryError in any thread ends the process, exit 1 (never alive and silent)
        System.exit(execute(args));
    }

    /**
     * Runs one command, printing to standard output.
     *
     * @param args the command line
     * @return the exit code
     */
    public static int execute(String[] args) {
        return execute(args, System.out);
    }

    /**
     * Runs one command: {@code help}, {@code --help} or {@code -h} (or {@code COMMAND --help}) print the help and
     * return 0; no command prints it and returns 2; a usage error prints one line, {@code imagebatch: } and what
     * to fix (naming the option), and returns 2.
     *
     * @param args the command line
     * @param out  where messages, help, progress and the summary go
     * @return the exit code ({@link #COMPLETED}, {@link #FAILED} or {@link #USAGE})
     */
    public static int execute(String[] args, PrintStream out) {
        CommandLine commandLine = commandLine(out);
        if (args.length == 0) {
            commandLine.usage(out);
            return USAGE;
        }
        CommandLine.ParseResult parsed;
        try {
            parsed = commandLine.parseArgs(args);
        } catch (CommandLine.ParameterException e) {
            out.println("imagebatch: " + usageMessage(e, commandLine).getMessage());
            return USAGE;
        }
        try {
            if (CommandLine.printHelpIfRequested(parsed)) {
                return COMPLETED;
            }
            CommandLine.ParseResult command = parsed;
            while (command.hasSubcommand()) {
                command = command.subcommand();
            }
            return command.commandSpec().commandLine().<Callable<Integer>>getCommand().call();
        } catch (UsageException | CatalogueException e) {
            out.println("imagebatch: " + e.getMessage());
            return USAGE;
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        } finally {
            out.flush();
        }
    }

    /**
     * Starts {@code serve} and returns at once, for tests and for embedding: the same job files, settings,
     * sandbox and Spring context as the {@code serve} command, without its signal handling.
     *
     * @param args the arguments after {@code serve} ({@code --jobs DIR}, {@code --sandbox}, {@code --NAME.X=V})
     * @param out  where the schedule and the job files that were not scheduled are printed
     * @return the running instance; {@link RunningServe#close()} stops it as SIGTERM would
     * @throws UsageException when the options are wrong or the jobs folder does not exist
     */
    public static RunningServe startServe(List<String> args, PrintStream out) {
        return ServeLifecycle.start(ServeOptions.parse(args), out);
    }

    /**
     * @param out where the commands print
     * @return the command line of every command, configured ({@link CommandLineParsing#configure}), with plain
     *         (uncoloured) help printed to {@code out}
     */
    static CommandLine commandLine(PrintStream out) {
        CommandLine commandLine = new CommandLine(new Root())
                .addSubcommand("run", new CliCommands.Run(out))
                .addSubcommand("validate", new CliCommands.Validate(out))
                .addSubcommand("status", new CliCommands.Status(out))
                .addSubcommand("restart", new CliCommands.Restart(out))
                .addSubcommand("retry-failed", new CliCommands.RetryFailed(out))
                .addSubcommand("redo", new CliCommands.Redo(out))
                .addSubcommand("approve", new CliCommands.Approve(out))
                .addSubcommand("reject", new CliCommands.Reject(out))
                .addSubcommand("choose", new CliCommands.Choose(out))
                .addSubcommand("stop", new CliCommands.Stop(out))
                .addSubcommand("serve", new CliCommands.Serve(out))
                .addSubcommand("worker", new WorkerCommand(out))
                .addSubcommand("completion", new CliCommands.Completion(out))
                .addSubcommand("help", new CommandLine.HelpCommand());
        PrintWriter writer = new PrintWriter(out, true);
        return CommandLineParsing.configure(commandLine)
                .setOut(writer)
                .setErr(writer)
                .setColorScheme(CommandLine.Help.defaultColorScheme(CommandLine.Help.Ansi.OFF))
                .setUsageHelpWidth(HELP_WIDTH);
    }

    /** The one-line usage error of a parse error: an unknown command is named as such. */
    private static UsageException usageMessage(CommandLine.ParameterException e, CommandLine root) {
        if (e instanceof CommandLine.UnmatchedArgumentException unmatched && e.getCommandLine() == root) {
            return new UsageException("unknown command \"" + unmatched.getUnmatched().get(0) + "\"; commands: "
                    + String.join(", ", root.getSubcommands().keySet()));
        }
        Map<String, String> hints = e.getCommandLine().getCommandName().equals("serve")
                ? ServeCommandLine.VALUE_HINTS : Map.of();
        return CommandLineParsing.usageError(e, hints);
    }
}
