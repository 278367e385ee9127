package io.imagebatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.batch.core.job.Job;
import org.springframework.batch.core.launch.JobOperator;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.Step;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.SpringApplicationRunListener;
import org.springframework.boot.web.server.WebServerFactory;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The commands that run no batch start only what they need (README.md, Performance): {@code status} and
 * {@code validate} never start a web server, even when callbacks are configured, so they neither pay for one nor
 * compete with a running batch for {@code server.port}; and {@code status} and {@code validate} start no Spring
 * Batch infrastructure, S3 client or Actuator either, while answering as the full application does.
 */
class FastCommandsTest {

    @TempDir
    Path dir;

    private record Outcome(int exit, String output) {
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
    void statusAndValidateStartNoWebServerEvenWithCallbacksConfigured() throws Exception {
        // the port a web server would take is held here: a command that started one could not start at all
        try (ServerSocket taken = new ServerSocket(0)) {
            int port = taken.getLocalPort();
            String database = "--spring.datasource.url=jdbc:h2:file:" + dir.resolve("imagebatch");
            String callbacks = "--imagebatch.callback.base-url=http://127.0.0.1:" + port + "/callbacks";
            String serverPort = "--server.port=" + port;

            Outcome status = execute("status", database, callbacks, serverPort);
            assertThat(status.output()).contains("No batches in this database yet.");
            assertThat(status.exit()).isEqualTo(ImageBatchCli.COMPLETED);

            Outcome validate = execute("validate", "jobs/demo.yml", database, callbacks, serverPort);
            assertThat(validate.output()).contains("45 rows, 40 would be sent, 5 rejected");
            assertThat(validate.exit()).isEqualTo(ImageBatchCli.COMPLETED);
        }
    }

    /**
     * What a command's Spring context held when it had started, looked at from inside the command's own run
     * (Spring Boot's {@link SpringApplication#withHook}).
     *
     * @param contexts  the contexts the command started
     * @param forbidden what they held that a command answering at once must not start
     */
    private record Started(int contexts, List<String> forbidden) {
    }

    /** Runs {@code command} in this thread and records what each Spring context it starts holds. */
    private static Started started(Supplier<Outcome> command, List<Outcome> outcome) {
        List<String> forbidden = new ArrayList<>();
        int[] contexts = {0};
        SpringApplication.withHook(application -> new SpringApplicationRunListener() {
            @Override
            public void started(ConfigurableApplicationContext context, Duration timeTaken) {
                contexts[0]++;
                if (context instanceof WebServerApplicationContext) {
                    forbidden.add("a web server application context");
                }
                for (Class<?> type : List.of(JobRepository.class, JobOperator.class, Job.class, Step.class,
                        WebServerFactory.class, S3Client.class)) {
                    for (String name : context.getBeanNamesForType(type, true, false)) {
                        forbidden.add(type.getSimpleName() + " bean " + name);
                    }
                }
                Arrays.stream(context.getBeanDefinitionNames())
                        .filter(name -> name.contains(".actuate.") || name.contains(".batch.")
                                || name.contains("sandbox") || name.contains("Sandbox"))
                        .forEach(name -> forbidden.add("bean " + name));
            }
        }, () -> {
            outcome.add(command.get());
        });
        return new Started(contexts[0], forbidden);
    }

    @Test
    void statusAndValidateStartNoBatchInfrastructureWebServerS3ClientOrActuator() {
        String database = "--spring.datasource.url=jdbc:h2:file:" + dir.resolve("imagebatch");
        Outcome run = execute("run", "jobs/demo.yml", "--output", "file:" + dir.resolve("out"), database);
        assertThat(run.exit()).as(run.output()).isEqualTo(ImageBatchCli.COMPLETED);
        String batchId = run.output().replaceAll("(?s).*Starting batch (\\S+):.*", "$1");

        List<Outcome> outcomes = new ArrayList<>();
        Started list = started(() -> execute("status", database), outcomes);
        Started one = started(() -> execute("status", batchId, database), outcomes);
        Started validate = started(() -> execute("validate", "jobs/demo.yml", database), outcomes);

        assertThat(outcomes.get(0).output()).contains(batchId + " ").contains("COMPLETED");
        assertThat(outcomes.get(1).output()).contains("Batch " + batchId).contains("last run: COMPLETED");
        assertThat(outcomes.get(2).output()).contains("45 rows, 40 would be sent, 5 rejected");
        assertThat(outcomes).allSatisfy(o -> assertThat(o.exit()).as(o.output()).isEqualTo(ImageBatchCli.COMPLETED));
        for (Started started : List.of(list, one, validate)) {
            assertThat(started.contexts()).isEqualTo(1);
            assertThat(started.forbidden()).isEmpty();
        }
    }

    @Test
    void statusAnswersAsTheFullApplicationDoes() {
        String database = "--spring.datasource.url=jdbc:h2:file:" + dir.resolve("imagebatch");
        Outcome run = execute("run", "jobs/demo.yml", "--output", "file:" + dir.resolve("out"), database);
        assertThat(run.exit()).as(run.output()).isEqualTo(ImageBatchCli.COMPLETED);
        String batchId = run.output().replaceAll("(?s).*Starting batch (\\S+):.*", "$1");

        for (String id : Arrays.asList(null, batchId, "no-such-batch")) {
            List<String> args = new ArrayList<>(List.of("status"));
            if (id != null) {
                args.add(id);
            }
            args.add(database);
            Outcome fast = execute(args.toArray(String[]::new));

            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            int exit;
            try (PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
                // the full application's status: its BatchCommands, on its job repository
                exit = fullStatus(id, database, out);
            }
            assertThat(fast.output()).isEqualTo(bytes.toString(StandardCharsets.UTF_8));
            assertThat(fast.exit()).isEqualTo(exit);
        }
    }

    /** {@code status} as the full application runs it: {@link BatchCommands#status} in the whole context. */
    private static int fullStatus(String batchId, String database, PrintStream out) {
        try {
            return SpringCommand.withoutWeb(List.of(database), out,
                    context -> context.getBean(BatchCommands.class).status(batchId, out));
        } catch (io.imagebatch.app.UsageException e) {
            out.println("imagebatch: " + e.getMessage());
            return ImageBatchCli.USAGE;
        }
    }
}
