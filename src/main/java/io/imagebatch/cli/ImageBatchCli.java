package io.imagebatch.cli;

import io.imagebatch.FatalErrors;
import io.imagebatch.ImageBatchApplication;
import io.imagebatch.app.BatchRunner;
import io.imagebatch.app.BatchSettingsResolver;
import io.imagebatch.app.ExitCodes;
import io.imagebatch.app.JobFile;
import io.imagebatch.app.RunOptions;
import io.imagebatch.app.UsageException;
import io.imagebatch.catalogue.CatalogueException;
import io.imagebatch.job.BatchSettings;
import io.imagebatch.provider.crun.CrunAdapter;
import io.imagebatch.provider.hiapi.HiApiAdapter;
import io.imagebatch.provider.liangxin.LiangXinAdapter;
import io.imagebatch.provider.mingyan.MingyanAdapter;
import io.imagebatch.sandbox.SandboxProvider;
import io.imagebatch.sandbox.SandboxSettings;
import io.imagebatch.serve.JobScheduler;
import io.imagebatch.serve.RunningServe;
import io.imagebatch.serve.ServeJobs;
import io.imagebatch.serve.ServeOptions;
import io.imagebatch.serve.ServeProperties;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.convert.DurationStyle;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;

/**
 * The command line: parses the command and its options before Spring starts, so that a usage error costs no
 * start-up, then runs the command in a Spring context.
 *
 * <p>Exit codes: {@value #COMPLETED} the batch completed (rows may be rejected or failed: the report says
 * which); {@value #FAILED} the job failed or stopped and can be resumed by running the same command again;
 * {@value #USAGE} a usage or configuration error, with a message that says what to fix.
 */
public final class ImageBatchCli {

    /** Exit code: the batch completed ({@link ExitCodes#COMPLETED}). */
    public static final int COMPLETED = ExitCodes.COMPLETED;
    /** Exit code: the job failed or stopped; the same command resumes it ({@link ExitCodes#FAILED}). */
    public static final int FAILED = ExitCodes.FAILED;
    /** Exit code: usage or configuration error ({@link ExitCodes#USAGE}). */
    public static final int USAGE = ExitCodes.USAGE;

    /** What {@code help} prints. */
    public static final String USAGE_TEXT = """
            Usage: java -jar imagebatch.jar COMMAND [OPTIONS]

            Commands:
              run [JOB_FILE] [OPTIONS]   start a batch, or resume it where it stopped
              validate [JOB_FILE] [OPTIONS]
                                         check every row as run would, and send nothing
              status [BATCH]             a batch's counts per state, last run, last error; or the recent batches
              restart BATCH              resume a failed or stopped batch where it stopped
              retry-failed BATCH [--include-uncertain] [--include-rejected]
                                         send the batch's FAILED rows again (and UNCERTAIN ones, which may be
                                         paid for twice; and rows a provider's answer REJECTED); earlier
                                         attempts stay in the ledger
              stop BATCH                 ask the process running BATCH to stop after its current chunk or pass
              serve [--jobs DIR] [--sandbox]
                                         keep running: run each job file of DIR (default jobs/) when its
                                         "schedule" falls due; serve the callback endpoint and Actuator
                                         (/actuator/health, /actuator/metrics, /actuator/prometheus) on
                                         server.port (default 8080)
              help                       this text

            Options of run (each overrides the job file's setting):
              --catalogue FILE           the CSV (or .tsv) catalogue
              --provider NAME            provider of rows without a provider column (default liangxin)
              --model NAME               model of rows without a model column (default: the provider's)
              --output URI               s3://bucket/prefix or file:dir (default file:./output)
              --column FIELD=HEADER      read FIELD from another header; repeatable
              --prompt-template TEXT     build the prompt from columns, e.g. "Photo of {Title} by {Vendor}"
              --delimiter C              field separator (default: tab for .tsv, else comma)
              --aspect-ratio R           default aspect ratio for rows without one
              --resolution R             default resolution for rows without one
              --name NAME                batch name (default: the job file's or the catalogue's name)
              --sandbox                  run against the built-in sandbox provider (no key, no network)
              --NAME.X=V                 any setting, e.g. --spring.datasource.url=jdbc:postgresql://...

            SIGTERM stops a run (or serve) gracefully, like stop: the batch ends STOPPED, resumable.
            Exit codes: 0 completed, 1 failed or stopped (run the same command again to resume), 2 usage error.
            """;

    /** The setting a sandbox run sets for itself ({@link BatchSettingsResolver#SANDBOX_ACTIVE}). */
    private static final String SANDBOX_ACTIVE = BatchSettingsResolver.SANDBOX_ACTIVE;

    /** The setting that holds the JDBC URL of the job repository and the ledger. */
    private static final String DATASOURCE_URL = "spring.datasource.url";

    /** Providers the sandbox speaks for, in {@code --sandbox} runs. */
    private static final List<String> SANDBOX_PROVIDERS =
            List.of(LiangXinAdapter.NAME, MingyanAdapter.NAME, HiApiAdapter.NAME, CrunAdapter.NAME);

    private ImageBatchCli() {
    }

    /**
     * Entry point of the executable jar: {@code java -jar imagebatch.jar COMMAND [OPTIONS]} (the jar's main
     * class, set in {@code pom.xml}). Ends the process with the command's exit code ({@link ExitCodes}).
     *
     * @param args the command line; see {@link #USAGE_TEXT}
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
     * Runs one command.
     *
     * @param args the command line
     * @param out  where messages, progress and the summary go
     * @return the exit code ({@link #COMPLETED}, {@link #FAILED} or {@link #USAGE})
     */
    public static int execute(String[] args, PrintStream out) {
        if (args.length == 0) {
            out.print(USAGE_TEXT);
            return USAGE;
        }
        List<String> rest = Arrays.asList(args).subList(1, args.length);
        try {
            return switch (args[0]) {
                case "run" -> run(RunOptions.parse(rest), out);
                case "validate" -> validate(RunOptions.parse(rest), out);
                case "restart" -> onBatch(rest, true, out, (c, o) -> c.restart(o.batchId(), out), true);
                case "retry-failed" -> onBatch(rest, true, out,
                        (c, o) -> c.retryFailed(o.batchId(), o.includeUncertain(),
                                rest.contains(BatchCommands.INCLUDE_REJECTED), out), true);
                case "stop" -> onBatch(rest, true, out, (c, o) -> c.stop(o.batchId(), out));
                case "status" -> onBatch(rest, false, out, (c, o) -> c.status(o.batchId(), out));
                case "serve" -> serve(ServeOptions.parse(rest), out);
                case "help", "--help", "-h" -> {
                    out.print(USAGE_TEXT);
                    yield COMPLETED;
                }
                default -> throw new UsageException("unknown command \"" + args[0]
                        + "\"; commands: run, validate, status, restart, retry-failed, stop, serve, help");
            };
        } catch (UsageException | CatalogueException e) {
            out.println("imagebatch: " + e.getMessage());
            return USAGE;
        }
    }

    private static int run(RunOptions options, PrintStream out) {
        JobFile jobFile = options.jobFile() == null ? null : JobFile.load(Path.of(options.jobFile()));
        BatchSettings settings = BatchSettingsResolver.resolve(options, jobFile);
        List<String> springArgs = new ArrayList<>(options.springArgs());
        boolean sandbox = options.sandbox() || (jobFile != null && jobFile.sandbox() != null);
        SandboxProvider sandboxProvider = null;
        try {
            if (sandbox) {
                sandboxProvider = SandboxProvider.start(sandboxSettings(jobFile));
                out.println("Sandbox provider listening on " + sandboxProvider.baseUrl());
                springArgs.addAll(sandboxArgs(sandboxProvider));
            }
            return inContext(springArgs, out, context -> shared(context,
                    () -> context.getBean(BatchRunner.class).run(settings, out)));
        } finally {
            if (sandboxProvider != null) {
                sandboxProvider.close();
            }
        }
    }

    /** Settings that point every provider the sandbox speaks at it, so a sandbox run never reaches a real one. */
    private static List<String> sandboxArgs(SandboxProvider sandbox) {
        List<String> args = new ArrayList<>();
        for (String provider : SANDBOX_PROVIDERS) {
            args.add("--imagebatch.providers." + provider + ".base-url=" + sandbox.baseUrl());
            args.add("--imagebatch.providers." + provider + ".api-key=" + SandboxProvider.API_KEY);
        }
        // the sandbox serves its images from loopback
        args.add("--imagebatch.download.allow-private-networks=true");
        // tells BatchRunner that this process's providers are the sandbox: only sandbox batches run here
        args.add("--" + SANDBOX_ACTIVE + "=true");
        return args;
    }

    /** What {@code serve} found before Spring starts: its jobs, its settings, and the sandbox it started. */
    private record ServePlan(ServeJobs jobs, List<String> springArgs, SandboxProvider sandbox) {

        void close() {
            if (sandbox != null) {
                sandbox.close();
            }
        }
    }

    /**
     * {@code serve}: runs until SIGTERM (or Ctrl-C), which stops the running batches after their current chunk
     * or poll pass (STOPPED, resumed by their next run), waits for them, and exits with 0 (1 when a batch had to
     * be stopped).
     */
    private static int serve(ServeOptions options, PrintStream out) {
        ServePlan plan = planServe(options, out);
        try {
            return inContext(serveApplication(plan), plan.springArgs(), out, context -> {
                JobScheduler scheduler = context.getBean(JobScheduler.class);
                Duration timeout = context.getBean(ServeProperties.class).stopTimeout();
                // alongside GracefulShutdown's hook, which stops the batch it knows of and ends the process with
                // the exit code; this one stops every other batch this process runs, and ends the wait below. It
                // lets GracefulShutdown go first, so that no batch is asked twice.
                Thread hook = new Thread(() -> {
                    scheduler.stopScheduling();
                    try {
                        Thread.sleep(300);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    scheduler.shutdown(timeout);
                }, "imagebatch-serve-stop");
                Runtime.getRuntime().addShutdownHook(hook);
                try (H2Sharing.Shared shared = H2Sharing.serve(context.getEnvironment().getProperty(DATASOURCE_URL))) {
                    scheduler.start(out);
                    out.printf("Listening on port %s: /actuator/health, /actuator/metrics, /actuator/prometheus,"
                            + " /callbacks/...; SIGTERM or Ctrl-C stops%n",
                            context.getEnvironment().getProperty("local.server.port"));
                    return scheduler.awaitShutdown();
                } finally {
                    try {
                        Runtime.getRuntime().removeShutdownHook(hook);
                    } catch (IllegalStateException shuttingDown) {
                        // the hook is running: it is what ended the wait
                    }
                }
            });
        } finally {
            plan.close();
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
        ServePlan plan = planServe(ServeOptions.parse(args), out);
        try {
            ConfigurableApplicationContext context = serveApplication(plan)
                    .run(plan.springArgs().toArray(String[]::new));
            context.getBean(JobScheduler.class).start(out);
            return new RunningServe(context, plan::close);
        } catch (RuntimeException e) {
            plan.close();
            throw e;
        }
    }

    /**
     * Reads the job files, and starts the sandbox provider when asked ({@code --sandbox}) or when every
     * scheduled job file asks for it. A process serves either the sandbox or real providers: a sandbox job file
     * among real ones is not scheduled, so that neither ever reaches the other's providers.
     */
    private static ServePlan planServe(ServeOptions options, PrintStream out) {
        ServeJobs jobs = ServeJobs.scan(options.jobs(), options.springArgs());
        List<JobFile> sandboxJobs = jobs.scheduled().stream().filter(j -> j.sandbox() != null).toList();
        boolean sandbox = options.sandbox()
                || (!sandboxJobs.isEmpty() && sandboxJobs.size() == jobs.scheduled().size());
        if (!sandbox && !sandboxJobs.isEmpty()) {
            jobs = jobs.without(sandboxJobs, "asks for the sandbox provider, but the other scheduled jobs use real"
                    + " providers; serve it from a folder of its own, or serve every job with --sandbox");
        }
        List<String> springArgs = new ArrayList<>(options.springArgs());
        SandboxProvider sandboxProvider = null;
        if (sandbox) {
            sandboxProvider = SandboxProvider.start(sandboxSettings(sandboxJobs.isEmpty() ? null : sandboxJobs.get(0)));
            out.println("Sandbox provider listening on " + sandboxProvider.baseUrl() + " (every provider points at it)");
            springArgs.addAll(sandboxArgs(sandboxProvider));
            // every job file served here is a sandbox batch, from the settings its runs are made with on
            List<String> jobArgs = new ArrayList<>(jobs.springArgs());
            jobArgs.add("--" + SANDBOX_ACTIVE + "=true");
            jobs = new ServeJobs(jobs.directory(), jobs.scheduled(), jobs.problems(), jobs.unscheduled(),
                    List.copyOf(jobArgs));
        }
        return new ServePlan(jobs, List.copyOf(springArgs), sandboxProvider);
    }

    /** The web application of {@code serve}, with its jobs as a bean. */
    private static SpringApplicationBuilder serveApplication(ServePlan plan) {
        ServeJobs jobs = plan.jobs();
        return application(WebApplicationType.SERVLET)
                .profiles(ServeProperties.PROFILE)
                .initializers(context -> context.getBeanFactory().registerSingleton("serveJobs", jobs));
    }

    private static int validate(RunOptions options, PrintStream out) {
        JobFile jobFile = options.jobFile() == null ? null : JobFile.load(Path.of(options.jobFile()));
        BatchSettings settings = BatchSettingsResolver.resolve(options, jobFile);
        return inContext(options.springArgs(), out, context -> context.getBean(BatchRunner.class).validate(settings,
                out));
    }

    /** Options of the commands that take a batch id. */
    private record BatchOptions(String batchId, boolean includeUncertain, List<String> springArgs) {
    }

    private static int onBatch(List<String> args, boolean batchRequired, PrintStream out,
            java.util.function.BiFunction<BatchCommands, BatchOptions, Integer> command) {
        return onBatch(args, batchRequired, out, command, false);
    }

    /** {@link #onBatch}; {@code runsBatches}: the command runs a batch, and shares its H2 file meanwhile. */
    private static int onBatch(List<String> args, boolean batchRequired, PrintStream out,
            java.util.function.BiFunction<BatchCommands, BatchOptions, Integer> command, boolean runsBatches) {
        String batchId = null;
        boolean includeUncertain = false;
        List<String> springArgs = new ArrayList<>();
        for (String arg : args) {
            if (arg.equals("--include-uncertain")) {
                includeUncertain = true;
            } else if (arg.equals(BatchCommands.INCLUDE_REJECTED)) {
                continue; // retry-failed reads it
            } else if (arg.startsWith("--") && arg.contains(".") && arg.contains("=")) {
                springArgs.add(arg);
            } else if (arg.startsWith("-")) {
                throw new UsageException("unknown option " + arg);
            } else if (batchId == null) {
                batchId = arg;
            } else {
                throw new UsageException("only one batch id can be given");
            }
        }
        if (batchRequired && batchId == null) {
            throw new UsageException("give the batch id (status lists the batches)");
        }
        BatchOptions options = new BatchOptions(batchId, includeUncertain, springArgs);
        return inContext(springArgs, out, context -> runsBatches
                ? shared(context, () -> command.apply(context.getBean(BatchCommands.class), options))
                : command.apply(context.getBean(BatchCommands.class), options));
    }

    /**
     * Runs a command in a Spring context. Spring's own shutdown hook is off: on SIGTERM our hook asks the
     * running job to stop ({@link GracefulShutdown}), waits until it has, and exits with code 1, so the batch
     * is left STOPPED and resumable, never half-written.
     */
    private static int inContext(List<String> springArgs, PrintStream out,
            java.util.function.Function<ConfigurableApplicationContext, Integer> command) {
        return inContext(application(callbacksConfigured(springArgs) ? WebApplicationType.SERVLET
                : WebApplicationType.NONE), springArgs, out, command);
    }

    /**
     * The Spring application of every command ({@code serve} included): no banner, no start-up log, no Spring
     * shutdown hook, and a crash-safe H2 ({@link #crashSafeH2}).
     */
    private static SpringApplicationBuilder application(WebApplicationType web) {
        return new SpringApplicationBuilder(ImageBatchApplication.class)
                .web(web)
                .logStartupInfo(false)
                .registerShutdownHook(false)
                .initializers(ImageBatchCli::crashSafeH2);
    }

    /** {@link #inContext(List, PrintStream, java.util.function.Function)} with a prepared application. */
    private static int inContext(SpringApplicationBuilder application, List<String> springArgs, PrintStream out,
            java.util.function.Function<ConfigurableApplicationContext, Integer> command) {
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
                return FAILED;
            }
            out.println("imagebatch: cannot start: " + rootMessage(e));
            return USAGE;
        }
        try (context) {
            shutdown.watch(context);
            int exitCode = command.apply(context);
            shutdown.finished(exitCode);
            return exitCode;
        } finally {
            shutdown.release();
        }
    }

    /**
     * Runs a command that runs batches while its H2 database file, if it has one, is served to the other
     * commands of this machine ({@link H2Sharing}): {@code status} and {@code stop} reach a running batch.
     */
    private static int shared(ConfigurableApplicationContext context, java.util.function.IntSupplier command) {
        try (H2Sharing.Shared shared = H2Sharing.serve(context.getEnvironment().getProperty(DATASOURCE_URL))) {
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

    private static String rootMessage(Throwable e) {
        Throwable cause = e;
        while (cause.getCause() != null && cause.getCause() != cause) {
            cause = cause.getCause();
        }
        return cause.getMessage() != null ? cause.getMessage() : cause.toString();
    }

    /**
     * Makes an H2 database as safe as the ledger's invariants need (docs/design.md), for any H2
     * {@code spring.datasource.url} (from the command line, the environment or {@code application.properties}):
     * <ul>
     * <li>{@code WRITE_DELAY=0}: H2 writes committed transactions to its file in the background, up to a second
     *     later by default, so a process killed in that window loses commits it had reported as done; a row's
     *     intent or taskId that vanishes that way makes a resumed run send the row again (a task paid for twice).
     *     With 0 each commit is written to the file before it returns (the operating system keeps it if the
     *     process dies; a power failure is a matter for the disk and PostgreSQL).</li>
     * <li>{@code DB_CLOSE_ON_EXIT=FALSE}: H2 closes an open database from a JVM shutdown hook of its own. On
     *     SIGTERM that hook runs at the same time as {@link GracefulShutdown}'s and closes the database under
     *     the running job, so the stop cannot be recorded (the batch stays STARTED, not STOPPED). Without it,
     *     the database is closed with the context, which the shutdown hook waits for.</li>
     * </ul>
     * A setting the URL already chooses is left as it is; other databases are left alone.
     *
     * @param context the command's context, before its beans are made
     */
    static void crashSafeH2(ConfigurableApplicationContext context) {
        ConfigurableEnvironment environment = context.getEnvironment();
        String url = environment.getProperty(DATASOURCE_URL);
        java.util.Optional<String> remote = H2Sharing.remoteUrl(url);
        if (remote.isPresent()) {
            // another command runs a batch on this H2 file and serves it (H2Sharing): reach it through that one
            environment.getPropertySources().addFirst(new MapPropertySource("imagebatch-shared-h2",
                    Map.of(DATASOURCE_URL, remote.get())));
            return;
        }
        String safe = crashSafeH2Url(url);
        if (safe != null && !safe.equals(url)) {
            environment.getPropertySources().addFirst(new MapPropertySource("imagebatch-crash-safe-h2",
                    Map.of(DATASOURCE_URL, safe)));
        }
    }

    /**
     * @param url a JDBC URL, or null
     * @return for an H2 URL, the URL with {@code ;WRITE_DELAY=0} appended unless it sets {@code WRITE_DELAY},
     *         and {@code ;DB_CLOSE_ON_EXIT=FALSE} appended unless it sets {@code DB_CLOSE_ON_EXIT} or
     *         {@code AUTO_SERVER=TRUE} (which H2 does not allow with it); any other {@code url} unchanged
     */
    static String crashSafeH2Url(String url) {
        if (url == null || !url.regionMatches(true, 0, "jdbc:h2:", 0, "jdbc:h2:".length())) {
            return url;
        }
        String upper = url.toUpperCase(Locale.ROOT).replace(" ", "");
        String safe = url;
        if (!upper.contains(";WRITE_DELAY=")) {
            safe += ";WRITE_DELAY=0";
        }
        if (!upper.contains(";DB_CLOSE_ON_EXIT=") && !upper.contains(";AUTO_SERVER=TRUE")) {
            safe += ";DB_CLOSE_ON_EXIT=FALSE";
        }
        return safe;
    }

    /**
     * Whether {@code imagebatch.callback.base-url} is set, on the command line, as a system property or in the
     * environment: then {@code run} serves the callback endpoint (on {@code server.port}, default 8080) while it
     * polls. Read before Spring starts, because the kind of application (with or without a web server) must be
     * chosen first.
     */
    static boolean callbacksConfigured(List<String> springArgs) {
        return springArgs.stream().anyMatch(a -> a.startsWith("--imagebatch.callback.base-url="))
                || System.getProperty("imagebatch.callback.base-url") != null
                || System.getenv("IMAGEBATCH_CALLBACK_BASEURL") != null
                || System.getenv("IMAGEBATCH_CALLBACK_BASE_URL") != null;
    }

    private static SandboxSettings sandboxSettings(JobFile jobFile) {
        SandboxSettings s = SandboxSettings.defaults();
        Map<String, String> m = jobFile == null || jobFile.sandbox() == null ? Map.of() : jobFile.sandbox();
        for (String key : m.keySet()) {
            if (!List.of("min-generation-time", "max-generation-time", "failure-rate", "seed").contains(key)) {
                throw new UsageException("job file " + jobFile.path() + ": unknown key \"sandbox." + key
                        + "\" (known: min-generation-time, max-generation-time, failure-rate, seed)");
            }
        }
        try {
            Duration min = m.containsKey("min-generation-time")
                    ? DurationStyle.detectAndParse(m.get("min-generation-time")) : s.minGenerationTime();
            Duration max = m.containsKey("max-generation-time")
                    ? DurationStyle.detectAndParse(m.get("max-generation-time")) : s.maxGenerationTime();
            double failureRate = m.containsKey("failure-rate") ? Double.parseDouble(m.get("failure-rate"))
                    : s.failureRate();
            long seed = m.containsKey("seed") ? Long.parseLong(m.get("seed")) : s.seed();
            return new SandboxSettings(s.port(), min, max, failureRate, seed, s.serverErrorRate(),
                    s.rateLimitPerSecond());
        } catch (IllegalArgumentException e) {
            throw new UsageException("job file " + jobFile.path() + ": bad sandbox setting: " + e.getMessage());
        }
    }
}
