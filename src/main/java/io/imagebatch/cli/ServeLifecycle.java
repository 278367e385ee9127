package io.imagebatch.cli;

import io.imagebatch.app.BatchSettingsResolver;
import io.imagebatch.app.JobFile;
import io.imagebatch.app.UsageException;
import io.imagebatch.sandbox.SandboxProvider;
import io.imagebatch.serve.JobScheduler;
import io.imagebatch.serve.RunningServe;
import io.imagebatch.serve.ServeJobs;
import io.imagebatch.serve.ServeOptions;
import io.imagebatch.serve.ServeProperties;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The life of {@code serve} (README, "Running nightly"): its job files and sandbox are found before Spring
 * starts; it runs until SIGTERM (or Ctrl-C), which stops the running batches after their current chunk or poll
 * pass (STOPPED, resumed by their next run), waits for them, and exits with 0 (1 when a batch had to be
 * stopped).
 */
final class ServeLifecycle {

    /** What {@code serve} found before Spring starts: its jobs, its settings, and the sandbox it started. */
    private record ServePlan(ServeJobs jobs, List<String> springArgs, SandboxProvider sandbox) {

        void close() {
            if (sandbox != null) {
                sandbox.close();
            }
        }
    }

    private ServeLifecycle() {
    }

    /**
     * The {@code serve} command: serves until SIGTERM.
     *
     * @param options its options
     * @param out     where the schedule, the job files that were not scheduled, and the port are printed
     * @return the exit code: 0 when no batch had to be stopped, 1 when one was, 2 when the context cannot start
     * @throws UsageException when the jobs folder does not exist or a job file's sandbox settings are wrong
     */
    static int serve(ServeOptions options, PrintStream out) {
        ServePlan plan = plan(options, out);
        try {
            return SpringCommand.run(application(plan), plan.springArgs(), out, (context, shutdown) -> {
                JobScheduler scheduler = context.getBean(JobScheduler.class);
                Duration timeout = context.getBean(ServeProperties.class).stopTimeout();
                // on SIGTERM, in this order: no run starts any more; the batch GracefulShutdown knows of is asked
                // to stop; then every other batch this process runs, and the wait below ends
                shutdown.alsoOnSignal(scheduler::stopScheduling, () -> scheduler.shutdown(timeout));
                try (H2Sharing.Shared shared = H2Sharing.serve(
                        context.getEnvironment().getProperty(CrashSafeH2.DATASOURCE_URL))) {
                    scheduler.start(out);
                    out.printf("Listening on port %s: /actuator/health, /actuator/metrics, /actuator/prometheus,"
                            + " /callbacks/...; SIGTERM or Ctrl-C stops%n",
                            context.getEnvironment().getProperty("local.server.port"));
                    return scheduler.awaitShutdown();
                }
            });
        } finally {
            plan.close();
        }
    }

    /**
     * Starts {@code serve} and returns at once: the same job files, settings, sandbox and Spring context as
     * the {@code serve} command, without its signal handling.
     *
     * @param options its options
     * @param out     where the schedule and the job files that were not scheduled are printed
     * @return the running instance; {@link RunningServe#close()} stops it as SIGTERM would
     * @throws UsageException when the jobs folder does not exist or a job file's sandbox settings are wrong
     */
    static RunningServe start(ServeOptions options, PrintStream out) {
        ServePlan plan = plan(options, out);
        try {
            ConfigurableApplicationContext context = application(plan)
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
    private static ServePlan plan(ServeOptions options, PrintStream out) {
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
            JobFile switchesOf = sandboxJobs.isEmpty() ? null : sandboxJobs.get(0);
            SandboxSetup.Switches switches = SandboxSetup.switches(switchesOf);
            sandboxProvider = SandboxProvider.start(SandboxSetup.settings(sandboxJobs.isEmpty() ? null
                    : sandboxJobs.get(0)));
            switches.applyTo(sandboxProvider);
            out.println("Sandbox provider listening on " + sandboxProvider.baseUrl()
                    + " (every provider points at it)");
            springArgs.addAll(SandboxSetup.springArgs(sandboxProvider));
            // every job file served here is a sandbox batch, from the settings its runs are made with on
            List<String> jobArgs = new ArrayList<>(jobs.springArgs());
            jobArgs.add("--" + BatchSettingsResolver.SANDBOX_ACTIVE + "=true");
            jobs = new ServeJobs(jobs.directory(), jobs.scheduled(), jobs.problems(), jobs.unscheduled(),
                    List.copyOf(jobArgs));
        }
        return new ServePlan(jobs, List.copyOf(springArgs), sandboxProvider);
    }

    /** The web application of {@code serve}, with its jobs as a bean. */
    private static SpringApplicationBuilder application(ServePlan plan) {
        ServeJobs jobs = plan.jobs();
        return SpringCommand.application(WebApplicationType.SERVLET)
                .profiles(ServeProperties.PROFILE)
                // the console offers the job files of --jobs as templates (docs/console.md)
                .properties(java.util.Map.of("imagebatch.console.jobs-dir",
                        jobs.directory().toAbsolutePath().normalize().toString()))
                .initializers(context -> context.getBeanFactory().registerSingleton("serveJobs", jobs));
    }
}
