package io.imagebatch.cli;

import io.imagebatch.ImageBatchApplication;
import io.imagebatch.app.Causes;
import io.imagebatch.app.ExitCodes;
import java.io.PrintStream;
import java.util.List;
import java.util.function.Function;
import java.util.function.IntSupplier;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Starts the Spring context a command runs in, runs the command, and closes the context. Spring's own shutdown
 * hook is off: on SIGTERM {@link GracefulShutdown}'s hook asks the running job to stop, waits until it has, and
 * exits with code 1, so the batch is left STOPPED and resumable, never half-written.
 */
final class SpringCommand {

    /** What a command does in its context. */
    @FunctionalInterface
    interface Body {

        /**
         * @param context  the started context
         * @param shutdown the command's SIGTERM handling, for a command with steps of its own to run on it
         * @return the exit code ({@link ExitCodes})
         */
        int run(ConfigurableApplicationContext context, GracefulShutdown shutdown);
    }

    private SpringCommand() {
    }

    /**
     * The Spring application of every command ({@code serve} included): no banner, no start-up log, no Spring
     * shutdown hook, a crash-safe H2 ({@link CrashSafeH2}), and the price settings checked before the context
     * starts ({@link PriceSettingsCheck}).
     *
     * @param web with a web server ({@code serve}, or {@code run} with callbacks) or without
     * @return the application, not started
     */
    static SpringApplicationBuilder application(WebApplicationType web) {
        return application(ImageBatchApplication.class, web);
    }

    /** {@link #application(WebApplicationType)} with {@code source} as the application's only configuration. */
    private static SpringApplicationBuilder application(Class<?> source, WebApplicationType web) {
        return new SpringApplicationBuilder(source)
                .web(web)
                .logStartupInfo(false)
                .registerShutdownHook(false)
                .initializers(new CrashSafeH2())
                .listeners(new PriceSettingsCheck());
    }

    /**
     * Runs a command in the application every command but {@code serve} has: with a web server only when
     * callbacks are configured ({@link CommandEnvironment#callbacksConfigured}).
     *
     * @param springArgs the command line's {@code --NAME.X=V} settings
     * @param out        where messages go
     * @param command    what the command does in its context
     * @return the command's exit code, or {@link ExitCodes#USAGE} when the context cannot start (a setting Spring
     *         cannot bind, a database it cannot open), or {@link ExitCodes#FAILED} when the H2 file is in use by
     *         another command right now
     */
    static int run(List<String> springArgs, PrintStream out,
            Function<ConfigurableApplicationContext, Integer> command) {
        return run(application(CommandEnvironment.callbacksConfigured(springArgs) ? WebApplicationType.SERVLET
                : WebApplicationType.NONE), springArgs, out, (context, shutdown) -> command.apply(context));
    }

    /**
     * Runs a command that runs no batch ({@code validate}, {@code status}, {@code stop}, {@code reject},
     * {@code choose}): never with a web server, even when callbacks are configured (only a running batch receives
     * callbacks), so such a command starts faster and does not compete with a running batch for
     * {@code server.port} (README.md, Performance).
     *
     * @param springArgs the command line's {@code --NAME.X=V} settings
     * @param out        where messages go
     * @param command    what the command does in its context
     * @return as {@link #run(List, PrintStream, Function)}
     */
    static int withoutWeb(List<String> springArgs, PrintStream out,
            Function<ConfigurableApplicationContext, Integer> command) {
        return run(application(WebApplicationType.NONE), springArgs, out,
                (context, shutdown) -> command.apply(context));
    }

    /**
     * Runs a command that answers at once ({@code status}, {@code validate}) in its small application
     * ({@link FastCommandConfiguration}, README.md, Performance): the database and the ledger's reads, and for
     * {@code validate} the providers' row rules and the prices, configured by the same settings as every command's;
     * no Spring Batch infrastructure, web server, sandbox, S3 client or Actuator, and no component scan.
     *
     * @param source     the application: {@link FastCommandConfiguration.Status} or
     *                   {@link FastCommandConfiguration.Validate}
     * @param springArgs the command line's {@code --NAME.X=V} settings
     * @param out        where messages go
     * @param command    what the command does in its context
     * @return as {@link #run(List, PrintStream, Function)}
     */
    static int fast(Class<?> source, List<String> springArgs, PrintStream out,
            Function<ConfigurableApplicationContext, Integer> command) {
        return run(application(source, WebApplicationType.NONE), springArgs, out,
                (context, shutdown) -> command.apply(context));
    }

    /**
     * {@link #run(List, PrintStream, Function)} with a prepared application.
     *
     * @param application the application, not started
     * @param springArgs  the command line's {@code --NAME.X=V} settings
     * @param out         where messages go
     * @param command     what the command does in its context
     * @return as {@link #run(List, PrintStream, Function)}
     */
    static int run(SpringApplicationBuilder application, List<String> springArgs, PrintStream out, Body command) {
        GracefulShutdown shutdown = new GracefulShutdown(out);
        ConfigurableApplicationContext context;
        try {
            context = application.run(springArgs.toArray(String[]::new));
        } catch (RuntimeException e) {
            // a setting Spring cannot bind or a database it cannot open: say what, exit 2, no stack trace
            shutdown.release();
            if (h2FileInUse(e)) {
                // another command has the H2 file open and does not serve it (H2Sharing): it ends soon, so this
                // is not a configuration error; the same command again gets through
                out.println("imagebatch: the H2 database file is in use by another imagebatch command right now;"
                        + " run this one again in a moment");
                return ExitCodes.FAILED;
            }
            out.println("imagebatch: cannot start: " + Causes.rootMessage(e));
            return ExitCodes.USAGE;
        }
        try (context) {
            shutdown.watch(context);
            int exitCode = command.run(context, shutdown);
            shutdown.finished(exitCode);
            return exitCode;
        } finally {
            shutdown.release();
        }
    }

    /**
     * Runs a command that runs batches while its H2 database file, if it has one, is served to the other
     * commands of this machine ({@link H2Sharing}): {@code status} and {@code stop} reach a running batch.
     *
     * @param context the command's context
     * @param command the command
     * @return its exit code
     */
    static int shared(ConfigurableApplicationContext context, IntSupplier command) {
        try (H2Sharing.Shared shared = H2Sharing.serve(
                context.getEnvironment().getProperty(CrashSafeH2.DATASOURCE_URL))) {
            return command.getAsInt();
        }
    }

    /** @return whether H2 refused to open its database file because another process has it open (90020) */
    private static boolean h2FileInUse(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof java.sql.SQLException sql
                    && sql.getErrorCode() == H2FileInUseFailureAnalyzer.DATABASE_ALREADY_OPEN
                    && sql.getClass().getName().startsWith("org.h2.")) {
                return true;
            }
        }
        return false;
    }
}
