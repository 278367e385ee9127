package io.imagebatch.benchmark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * How fast the commands that answer at once answer (README.md, Performance): {@code --help}, {@code status} (with
 * one batch in the H2 database) and {@code validate} of the demo catalogue, each run 5 times as a new process,
 * started the plain way ({@code java -jar target/imagebatch.jar}) and through {@code target/imagebatch} (the class-data
 * sharing archive the build makes in package), printing the median of 5 next to the 1.5 s target. Nothing timed is
 * asserted: the figures depend on the machine and its load. Skipped unless {@code -Dbench.commands=true}; needs
 * the packaged jar, so it runs in {@code verify}:
 * {@code ./mvnw verify -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false -Dit.test=CommandStartupBenchmarkIT -Dbench.commands=true}.
 */
class CommandStartupBenchmarkIT {

    /** Runs of each command; the median is printed. */
    private static final int RUNS = 5;
    /** The target of each command's median, ms. */
    private static final long TARGET_MS = 1500;

    @TempDir
    Path dir;

    @Test
    void printsTheMedianStartupOfEachFastCommand() throws Exception {
        assumeTrue(Boolean.getBoolean("bench.commands"), "benchmark skipped: give -Dbench.commands=true to run it");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String database = "--spring.datasource.url=jdbc:h2:file:" + dir.resolve("imagebatch");
        List<String> plain = List.of(java, "-jar", Path.of("target/imagebatch.jar").toAbsolutePath().toString());
        List<String> cds = List.of(Path.of("target/imagebatch").toAbsolutePath().toString());
        assumeTrue(Files.isRegularFile(Path.of("target/imagebatch.jar")), "benchmark skipped: package the jar first");

        // one batch in the database, for status to report
        Result demo = run(plain, "run", "jobs/demo.yml", "--output", "file:" + dir.resolve("output"), database);
        assertThat(demo.exit()).as(demo.output()).isZero();

        System.out.printf("Command start-up, median of %d runs (target %d ms)%n", RUNS, TARGET_MS);
        for (List<String> launcher : List.of(plain, cds)) {
            String name = launcher == plain ? "java -jar target/imagebatch.jar" : "target/imagebatch";
            print(name, "--help", launcher, "--help");
            print(name, "status", launcher, "status", database);
            print(name, "validate jobs/demo.yml", launcher, "validate", "jobs/demo.yml", database);
        }
    }

    private void print(String launcherName, String commandName, List<String> launcher, String... args)
            throws IOException, InterruptedException {
        List<Long> millis = new ArrayList<>();
        for (int i = 0; i < RUNS; i++) {
            long start = System.nanoTime();
            Result result = run(launcher, args);
            millis.add((System.nanoTime() - start) / 1_000_000);
            assertThat(result.exit()).as(result.output()).isZero();
        }
        List<Long> sorted = millis.stream().sorted().toList();
        long median = sorted.get(RUNS / 2);
        System.out.printf("  %-32s %-24s median %5d ms (runs %s) target %d ms: %s%n", launcherName, commandName,
                median, sorted, TARGET_MS, median <= TARGET_MS ? "met" : "NOT met");
    }

    private record Result(int exit, String output) {
    }

    private Result run(List<String> launcher, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(launcher);
        command.addAll(List.of(args));
        Path log = Files.createTempFile(dir, "command", ".log");
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        int exit = process.waitFor();
        return new Result(exit, Files.readString(log));
    }
}
