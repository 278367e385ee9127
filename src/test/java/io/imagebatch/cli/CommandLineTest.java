package io.imagebatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.imagebatch.app.RunOptions;
import io.imagebatch.serve.ServeOptions;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The command line's one parser (picocli), without Spring: help, booleans, usage errors, completion. */
class CommandLineTest {

    private static final List<String> COMMANDS =
            List.of("run", "validate", "status", "restart", "retry-failed", "redo", "stop", "serve", "worker",
                    "completion");

    /** What a command printed, and its exit code. */
    private record Outcome(int exitCode, String output) {
    }

    private static Outcome execute(String... args) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int exit;
        try (PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
            exit = ImageBatchCli.execute(args, out);
        }
        return new Outcome(exit, bytes.toString(StandardCharsets.UTF_8));
    }

    @Test
    void everyCommandHasItsOwnHelpThatExitsZero() {
        for (String command : COMMANDS) {
            for (List<String> args : List.of(List.of(command, "--help"), List.of(command, "-h"),
                    List.of("help", command))) {
                Outcome help = execute(args.toArray(String[]::new));
                assertThat(help.exitCode()).as(args.toString()).isEqualTo(ImageBatchCli.COMPLETED);
                assertThat(help.output()).as(args.toString()).startsWith("Usage: imagebatch " + command);
            }
        }
        assertThat(execute("run", "--help").output()).contains("--catalogue=FILE").contains("--[no-]sandbox")
                .contains("--column=FIELD=HEADER").contains("[JOB_FILE]").contains("--NAME.X=V");
        assertThat(execute("serve", "--help").output()).contains("--jobs=DIR").contains("--[no-]sandbox");
        assertThat(execute("retry-failed", "--help").output()).contains("--[no-]include-uncertain")
                .contains("--[no-]include-rejected").contains("BATCH");
    }

    @Test
    void theHelpListsEveryCommandExitingZeroWhenAskedAndTwoWithoutACommand() {
        for (String ask : List.of("help", "--help", "-h")) {
            Outcome help = execute(ask);
            assertThat(help.exitCode()).isEqualTo(ImageBatchCli.COMPLETED);
            assertThat(help.output()).contains("Usage: java -jar imagebatch.jar COMMAND [OPTIONS]")
                    .contains("Exit codes: 0 completed");
            COMMANDS.forEach(command -> assertThat(help.output()).contains("  " + command + " "));
        }
        Outcome none = execute();
        assertThat(none.exitCode()).isEqualTo(ImageBatchCli.USAGE);
        assertThat(none.output()).contains("Usage: java -jar imagebatch.jar COMMAND [OPTIONS]");
    }

    @Test
    void runAndServeReadTheirBooleansTheSameWay() {
        for (List<String> off : List.<List<String>>of(List.of("--sandbox=false"), List.of("--no-sandbox"), List.of())) {
            assertThat(RunOptions.parse(off).sandbox()).as(off.toString()).isFalse();
            assertThat(ServeOptions.parse(off).sandbox()).as(off.toString()).isFalse();
        }
        for (List<String> on : List.of(List.of("--sandbox"), List.of("--sandbox=true"), List.of("--sandbox=TRUE"))) {
            assertThat(RunOptions.parse(on).sandbox()).as(on.toString()).isTrue();
            assertThat(ServeOptions.parse(on).sandbox()).as(on.toString()).isTrue();
        }
        // a boolean followed by the job file does not take it for its value
        RunOptions o = RunOptions.parse(List.of("--sandbox", "jobs/demo.yml", "--server.port=0"));
        assertThat(o.sandbox()).isTrue();
        assertThat(o.jobFile()).isEqualTo("jobs/demo.yml");
        assertThat(o.springArgs()).containsExactly("--server.port=0");
    }

    @Test
    void aUsageErrorIsOneLineNamingTheOptionAndExitsTwo() {
        assertUsageError(execute("run", "--catalogue"), "imagebatch: --catalogue needs a value");
        assertUsageError(execute("validate", "--colour=red"), "imagebatch: unknown option --colour");
        assertUsageError(execute("serve", "--jobs"), "imagebatch: --jobs needs a folder, e.g. --jobs jobs/");
        assertUsageError(execute("retry-failed", "b-1", "--colour"), "imagebatch: unknown option --colour");
        assertUsageError(execute("status", "b-1", "b-2"), "imagebatch: only one batch id can be given");
        assertUsageError(execute("stop"), "imagebatch: give the batch id (status lists the batches)");
        assertUsageError(execute("stop", "b-1", "--spring.datasource.url"),
                "imagebatch: --spring.datasource.url needs a value: write --spring.datasource.url=VALUE");
        assertUsageError(execute("frobnicate"), "imagebatch: unknown command \"frobnicate\"; commands: run, validate,"
                + " status, restart, retry-failed, redo, approve, reject, choose, stop, serve, worker, completion, help");
        assertUsageError(execute("redo", "b-1", "--prompt", "a lamp"),
                "imagebatch: give the batch id and the row's number: redo BATCH ROW_NUM --prompt TEXT");
        assertUsageError(execute("redo", "b-1", "0", "--prompt", "a lamp"),
                "imagebatch: ROW_NUM 0: rows are numbered from 1 (the first data row)");
        Outcome notABoolean = execute("serve", "--sandbox=maybe");
        assertThat(notABoolean.exitCode()).isEqualTo(ImageBatchCli.USAGE);
        assertThat(notABoolean.output().lines()).singleElement().asString().startsWith("imagebatch: ")
                .contains("--sandbox").contains("maybe");
    }

    private static void assertUsageError(Outcome outcome, String line) {
        assertThat(outcome.exitCode()).as(outcome.output()).isEqualTo(ImageBatchCli.USAGE);
        assertThat(outcome.output().lines()).containsExactly(line);
    }

    @Test
    void theCompletionCommandPrintsABashCompletionScriptForEveryCommandAndOption() {
        Outcome completion = execute("completion");
        assertThat(completion.exitCode()).isEqualTo(ImageBatchCli.COMPLETED);
        assertThat(completion.output()).startsWith("#!/usr/bin/env bash")
                .contains("complete -F _complete_imagebatch")
                .contains("--catalogue").contains("--include-uncertain").contains("--jobs");
        COMMANDS.forEach(command -> assertThat(completion.output()).contains(command));
    }
}
