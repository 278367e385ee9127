package io.imagebatch;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A process that loses a thread to an {@link Error} ends with exit code 1 instead of living on silently: each
 * case runs in a child JVM, whose main thread would otherwise wait for ever, as a batch waits for its steps.
 */
class FatalErrorsTest {

    @Test
    void anOutOfMemoryErrorInAPeriodicTaskEndsTheProcessWithExitCode1() throws Exception {
        Outcome outcome = runChild("periodic");

        assertThat(outcome.exitCode()).isEqualTo(1);
        assertThat(outcome.output()).contains("fatal java.lang.OutOfMemoryError: simulated",
                "imagebatch-lock-renewal-1", "Run the same command again to resume");
    }

    @Test
    void anErrorThatKillsAPoolThreadEndsTheProcessWithExitCode1() throws Exception {
        Outcome outcome = runChild("pool");

        assertThat(outcome.exitCode()).isEqualTo(1);
        assertThat(outcome.output()).contains("fatal java.lang.StackOverflowError", "imagebatch-io-1");
    }

    @Test
    void anErrorInAnyOtherThreadEndsTheProcessOnceInstalled() throws Exception {
        Outcome outcome = runChild("uncaught");

        assertThat(outcome.exitCode()).isEqualTo(1);
        assertThat(outcome.output()).contains("fatal java.lang.OutOfMemoryError: simulated", "HttpClient-1-Worker");
    }

    private record Outcome(int exitCode, String output) {
    }

    private static Outcome runChild(String mode) throws IOException, InterruptedException {
        Path log = Files.createTempFile("fatal-errors-" + mode, ".log");
        Process child = new ProcessBuilder(List.of(ProcessHandle.current().info().command().orElse("java"), "-cp",
                System.getProperty("java.class.path"), Child.class.getName(), mode))
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        // generous: a child that survives its error waits for ever, and this fails the test
        boolean ended = child.waitFor(120, TimeUnit.SECONDS);
        if (!ended) {
            child.destroyForcibly();
        }
        String output = Files.readString(log, StandardCharsets.UTF_8);
        Files.deleteIfExists(log);
        System.out.print(output);
        assertThat(ended).as("the child ended on its own").isTrue();
        return new Outcome(child.exitValue(), output);
    }

    /** The child: one thread dies of an Error while the main thread waits for ever. */
    public static final class Child {

        public static void main(String[] args) throws Exception {
            switch (args[0]) {
                case "periodic" -> {
                    // as BatchLocks renews: a scheduler would keep the Error in its future and stop the task
                    ScheduledExecutorService renewer =
                            Executors.newSingleThreadScheduledExecutor(FatalErrors.threads("imagebatch-lock-renewal"));
                    AtomicInteger runs = new AtomicInteger();
                    renewer.scheduleWithFixedDelay(FatalErrors.guard(() -> {
                        if (runs.incrementAndGet() == 2) {
                            throw new OutOfMemoryError("simulated");
                        }
                    }), 10, 10, TimeUnit.MILLISECONDS);
                }
                case "pool" -> Executors.newFixedThreadPool(2, FatalErrors.threads("imagebatch-io"))
                        .execute(() -> recurse());
                case "uncaught" -> {
                    FatalErrors.install();
                    Thread thread = new Thread(() -> {
                        throw new OutOfMemoryError("simulated");
                    }, "HttpClient-1-Worker-0");
                    thread.setDaemon(true);
                    thread.start();
                }
                default -> throw new IllegalArgumentException(args[0]);
            }
            Thread.currentThread().join(); // for ever, unless the process is ended
        }

        private static int recurse() {
            return recurse() + 1;
        }
    }
}
