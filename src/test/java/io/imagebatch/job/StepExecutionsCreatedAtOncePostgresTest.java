package io.imagebatch.job;

import static org.assertj.core.api.Assertions.assertThat;

import io.imagebatch.ImageBatchApplication;
import io.imagebatch.testsupport.EnabledIfPostgres;
import io.imagebatch.testsupport.PostgresTestDatabase;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.job.parameters.JobParametersBuilder;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The job's split creates its submit, poll and download step executions at the same moment, on three threads.
 * With Spring Batch's default SERIALIZABLE creates, PostgreSQL cancelled one of them now and then ("could not
 * serialize access due to read/write dependencies"), failing a step before it started; the application's
 * {@code spring.batch.jdbc.isolation-level-for-create} makes them read-committed.
 */
@EnabledIfPostgres
class StepExecutionsCreatedAtOncePostgresTest {

    @Test
    void threeStepExecutionsCreatedAtOnceAllSucceedRunAfterRun() throws Exception {
        PostgresTestDatabase.Schema schema = PostgresTestDatabase.newSchema();
        List<String> args = new ArrayList<>(schema.springArgs());
        args.add("--imagebatch.sandbox.enabled=false");
        try (ConfigurableApplicationContext context = new SpringApplicationBuilder(ImageBatchApplication.class)
                .web(org.springframework.boot.WebApplicationType.NONE).run(args.toArray(String[]::new))) {
            JobRepository repository = context.getBean(JobRepository.class);
            ExecutorService threads = Executors.newFixedThreadPool(3);
            try {
                for (int run = 0; run < 40; run++) {
                    var parameters = new JobParametersBuilder().addString("batch.id", "b" + run).toJobParameters();
                    var instance = repository.createJobInstance("concurrentCreates", parameters);
                    JobExecution execution = repository.createJobExecution(instance, parameters,
                            new org.springframework.batch.infrastructure.item.ExecutionContext());
                    List<Future<?>> creates = new ArrayList<>();
                    for (String step : List.of("submit", "poll", "download")) {
                        creates.add(threads.submit((Callable<Object>) () ->
                                repository.createStepExecution(step, execution)));
                    }
                    for (Future<?> create : creates) {
                        create.get(); // throws when PostgreSQL cancelled the create
                    }
                }
            } finally {
                threads.shutdownNow();
            }
            assertThat(context.getEnvironment().getProperty("spring.batch.jdbc.isolation-level-for-create"))
                    .isEqualTo("read-committed");
        } finally {
            schema.drop();
        }
    }
}
