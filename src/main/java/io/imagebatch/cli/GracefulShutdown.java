package io.imagebatch.cli;

import io.imagebatch.job.RunningExecution;
import io.imagebatch.provider.ProviderHttp;
import java.io.PrintStream;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.launch.JobOperator;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * SIGTERM (and Ctrl-C) handling for one command: a JVM shutdown hook asks the job running in this process to
 * stop ({@link JobOperator#stop(JobExecution)}: the current chunk or poll pass finishes, the job ends STOPPED),
 * waits for the command to finish and close its context, then ends the process with the command's exit code (1
 * for a stopped batch). Provider calls still in flight a few seconds after the signal are cancelled
 * ({@link ProviderHttp#cancelCallsInFlight()}), so a provider that never answers cannot hold the stop up. Without a signal, the hook is removed when the command ends.
 */
final class GracefulShutdown {

    /** Longest wait for the job to stop after SIGTERM, ms; a pod's grace period is usually 30 s. */
    private static final long STOP_TIMEOUT_MILLIS = 25_000;
    /** How long provider calls in flight get to end on their own after SIGTERM before they are cancelled, ms. */
    private static final long CANCEL_CALLS_AFTER_MILLIS = 3_000;

    private final PrintStream out;
    private final CountDownLatch finished = new CountDownLatch(1);
    private final Thread hook;
    private volatile ConfigurableApplicationContext context;
    private volatile int exitCode = ImageBatchCli.FAILED;
    private volatile boolean signalled;
    private volatile Runnable beforeStop = () -> { };
    private volatile Runnable afterStopRequest;

    GracefulShutdown(PrintStream out) {
        this.out = out;
        this.hook = new Thread(this::onSignal, "imagebatch-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
    }

    /** @param context the command's context, where the running job is found */
    void watch(ConfigurableApplicationContext context) {
        this.context = context;
    }

    /**
     * Steps of the command's own for SIGTERM ({@code serve}'s), run by the one hook in this order:
     * {@code beforeStop}; then the stop request of the job this process knows of (as for every command); then
     * {@code afterStopRequest}, on a thread of its own ({@code imagebatch-serve-stop}) while the hook waits for
     * the command to end and cancels provider calls in flight. So no batch is asked to stop twice and nothing
     * waits on a guess of how long the other step takes.
     *
     * @param beforeStop       what must happen before the stop request (for example: start no more runs)
     * @param afterStopRequest what ends the command after it (for example: stop the other running batches and
     *                         wait for them), or null
     */
    void alsoOnSignal(Runnable beforeStop, Runnable afterStopRequest) {
        this.beforeStop = beforeStop;
        this.afterStopRequest = afterStopRequest;
    }

    /** @param code the command's exit code, used when a signal ends the process */
    void finished(int code) {
        this.exitCode = code;
    }

    /** Called when the command is over and its context closed. */
    void release() {
        finished.countDown();
        if (!signalled) {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // a signal arrived just now: the hook runs and ends the process
            }
        }
    }

    private void onSignal() {
        signalled = true;
        beforeStop.run();
        ConfigurableApplicationContext current = context;
        if (current != null && current.isActive()) {
            JobExecution running = current.getBean(RunningExecution.class).get();
            if (running != null) {
                out.printf("%nStopping batch after the current chunk or pass (SIGTERM); it can be resumed.%n");
                try {
                    io.imagebatch.job.JobOperatorRequests.stop(
                            current.getBean(org.springframework.batch.core.repository.JobRepository.class), running);
                } catch (Exception e) {
                    out.println("Could not request the stop: " + e.getMessage());
                }
            }
        }
        Runnable after = afterStopRequest;
        if (after != null) {
            new Thread(after, "imagebatch-serve-stop").start();
        }
        try {
            // calls answered within the grace end normally; after it, provider calls still in flight (a provider
            // that drips or never answers) are cancelled, again every second, so the stop never waits on them
            long start = System.nanoTime();
            boolean stopped = finished.await(CANCEL_CALLS_AFTER_MILLIS, TimeUnit.MILLISECONDS);
            while (!stopped && System.nanoTime() - start < TimeUnit.MILLISECONDS.toNanos(STOP_TIMEOUT_MILLIS)) {
                ProviderHttp.cancelCallsInFlight();
                stopped = finished.await(1000, TimeUnit.MILLISECONDS);
            }
            if (!stopped) {
                out.println("The batch did not stop in time; it will be resumed from its last checkpoint.");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        out.flush();
        // the command is over: end with its exit code, not the JVM's 143 for a signal
        Runtime.getRuntime().halt(exitCode);
    }
}
