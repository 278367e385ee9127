package io.imagebatch;

import java.io.PrintStream;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A process that has lost a thread to an {@link Error} (an {@link OutOfMemoryError} above all) ends, at once,
 * with exit code 1: never alive and silent, with its batch lock no longer renewed or its progress no longer
 * printed (README "Exit codes": 1 is a stopped, resumable batch). What the ledger committed stays; running the
 * same command again resumes the batch.
 *
 * <p>Three ways in: {@link #install()} makes every thread's uncaught {@code Error} fatal (the command line's
 * {@code main} calls it); {@link #threads(String)} builds daemon threads that die loudly; {@link #guard(Runnable)}
 * wraps a task of a {@link java.util.concurrent.ScheduledExecutorService} or a pool, which would otherwise keep
 * the {@code Error} in its future and stop a periodic task without a word.
 */
public final class FatalErrors {

    /** The exit code of a process ended by a fatal error: the batch is resumable. */
    public static final int EXIT_CODE = 1;
    /** Stack frames printed with the message: enough to place it, never megabytes (a StackOverflowError). */
    private static final int MAX_FRAMES = 20;

    private FatalErrors() {
    }

    /**
     * Makes an {@link Error} that escapes any thread end the process ({@link #die}); other uncaught exceptions are
     * printed as the JVM does by default. Called once, by the executable's {@code main}: tests that run the
     * command line in their own JVM do not install it.
     */
    public static void install() {
        Thread.setDefaultUncaughtExceptionHandler((thread, error) -> {
            if (error instanceof Error) {
                die(thread, error);
            } else {
                System.err.print("Exception in thread \"" + thread.getName() + "\" ");
                error.printStackTrace();
            }
        });
    }

    /**
     * @param prefix the threads' name, for example {@code imagebatch-io}; {@code -1}, {@code -2}, ... is appended
     * @return a factory of daemon threads whose tasks are {@linkplain #guard guarded} and whose uncaught
     *         exceptions, of any kind, end the process ({@link #die}): these threads run the batch
     */
    public static ThreadFactory threads(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return task -> {
            Thread t = new Thread(guard(task), prefix + "-" + n.incrementAndGet());
            t.setDaemon(true);
            t.setUncaughtExceptionHandler(FatalErrors::die);
            return t;
        };
    }

    /**
     * @param task a task for a pool or a scheduler
     * @return the task, but an {@link Error} it throws ends the process ({@link #die}) instead of being kept in
     *         a future nobody reads; exceptions pass as before
     */
    public static Runnable guard(Runnable task) {
        return () -> {
            try {
                task.run();
            } catch (Error e) {
                die(Thread.currentThread(), e);
                throw e;
            }
        };
    }

    /**
     * Ends the process with {@link #EXIT_CODE} after a best-effort message on standard error (the error and its
     * first 20 stack frames) and a flush of both
     * standard streams; {@link Runtime#halt} rather than {@code exit}, because shutdown hooks may need the very
     * threads or memory that are gone. Never returns.
     *
     * @param thread the thread that died
     * @param error  what killed it
     */
    public static void die(Thread thread, Throwable error) {
        try {
            PrintStream err = System.err;
            err.println("imagebatch: fatal " + error + " in thread " + thread.getName()
                    + "; the process ends (exit code 1). Run the same command again to resume the batch.");
            StackTraceElement[] frames = error.getStackTrace();
            for (int i = 0; i < Math.min(frames.length, MAX_FRAMES); i++) {
                err.println("\tat " + frames[i]);
            }
            System.out.flush();
            err.flush();
        } catch (Throwable ignored) {
            // no memory even for the message: end all the same
        } finally {
            Runtime.getRuntime().halt(EXIT_CODE);
        }
    }
}
