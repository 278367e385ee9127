package io.imagebatch.serve;

import org.springframework.context.ConfigurableApplicationContext;

/**
 * A {@code serve} started by {@link io.imagebatch.cli.ImageBatchCli#startServe}: its Spring context, scheduler
 * and port. {@link #close()} stops it as SIGTERM stops the command.
 */
public final class RunningServe implements AutoCloseable {

    private final ConfigurableApplicationContext context;
    private final Runnable afterClose;

    /**
     * @param context    the serve context, started, with its scheduler started
     * @param afterClose what to release once the context is closed (the sandbox provider, when one was started)
     */
    public RunningServe(ConfigurableApplicationContext context, Runnable afterClose) {
        this.context = context;
        this.afterClose = afterClose;
    }

    /** @return the Spring context */
    public ConfigurableApplicationContext context() {
        return context;
    }

    /** @return the scheduler of the job files */
    public JobScheduler scheduler() {
        return context.getBean(JobScheduler.class);
    }

    /** @return the HTTP port of the callback endpoint and Actuator */
    public int port() {
        return Integer.parseInt(context.getEnvironment().getRequiredProperty("local.server.port"));
    }

    /**
     * Stops serving: running batches stop after their current chunk or poll pass (STOPPED, resumable), then the
     * context closes.
     *
     * @return 0 when no batch had to be stopped, 1 when one was
     */
    public int stop() {
        try {
            int exitCode = scheduler().shutdown(context.getBean(ServeProperties.class).stopTimeout());
            context.close();
            return exitCode;
        } finally {
            afterClose.run();
        }
    }

    /** Same as {@link #stop()}; does nothing once stopped. */
    @Override
    public void close() {
        if (context.isActive()) {
            stop();
        }
    }
}
