package io.imagebatch.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.imagebatch.ImageBatchApplication;
import io.imagebatch.job.PartitionHandlers;
import io.imagebatch.job.PipelineSteps;
import io.imagebatch.testsupport.EnabledIfPostgres;
import io.imagebatch.testsupport.PostgresTestDatabase;
import io.imagebatch.testsupport.TestClock;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.job.Job;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.job.builder.JobBuilder;
import org.springframework.batch.core.job.parameters.JobParametersBuilder;
import org.springframework.batch.core.launch.JobOperator;
import org.springframework.batch.core.partition.PartitionHandler;
import org.springframework.batch.core.partition.Partitioner;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.Step;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.batch.core.step.builder.StepBuilder;
import org.springframework.batch.infrastructure.item.ExecutionContext;
import org.springframework.batch.infrastructure.repeat.RepeatStatus;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;
import org.springframework.integration.channel.DirectChannel;
import org.springframework.integration.core.MessagingTemplate;
import org.springframework.integration.jms.inbound.JmsMessageDrivenEndpoint;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.messaging.Message;
import org.springframework.transaction.PlatformTransactionManager;

/**
 * Remote partitioning over a real broker (README.md, "More than one machine"): a manager context with the embedded
 * Artemis broker listening on loopback TCP, and a worker context (as a {@code worker} process has) on the same
 * PostgreSQL schema. The worker step here is a test step that records the rows of its range in a table, in its
 * chunk's transaction; the manager step and the partitions' step executions have the application's names.
 */
@EnabledIfPostgres
class RemotePartitioningPostgresTest {

    /** The test's worker step: its name (the application's own {@value PipelineSteps#PARTITION} step is there too). */
    private static final String TEST_STEP = "clusterTestPartition";
    /** Rows of the test catalogue. */
    private static final int ROWS = 10;
    /** The partition the stall test holds up on its first run, and the latches that do it. */
    private static volatile String hangPartition;
    private static volatile CountDownLatch hangEntered = new CountDownLatch(1);
    private static volatile CountDownLatch hangRelease = new CountDownLatch(1);

    @TempDir
    Path dir;

    private PostgresTestDatabase.Schema schema;
    private ConfigurableApplicationContext manager;
    private ConfigurableApplicationContext worker;

    /** The test's worker step and its table; registered as a source of both contexts (not scanned). */
    static class TestWorkerStep {

        @Bean
        Step testPartitionStep(JobRepository jobRepository, PlatformTransactionManager transactions,
                DataSource dataSource, Environment environment) {
            JdbcTemplate jdbc = new JdbcTemplate(dataSource);
            String role = environment.getProperty("test.role", "?");
            return new StepBuilder(TEST_STEP, jobRepository).tasklet((contribution, chunk) -> {
                StepExecution stepExecution = contribution.getStepExecution();
                String partition = ClusterPartitionHandler.partitionName(stepExecution.getStepName());
                if (partition.equals(hangPartition) && hangEntered.getCount() > 0) {
                    hangEntered.countDown();
                    hangRelease.await(2, TimeUnit.MINUTES); // a worker that hangs: no update to its step
                }
                ExecutionContext range = stepExecution.getExecutionContext();
                for (int row = range.getInt("rows.from"); row <= range.getInt("rows.to"); row++) {
                    jdbc.update("INSERT INTO CLUSTER_TEST_DONE (ROW_NUM, PARTITION_NAME, STEP_EXECUTION_ID, ROLE)"
                            + " VALUES (?, ?, ?, ?)", row, partition, stepExecution.getId(), role);
                }
                return RepeatStatus.FINISHED;
            }, transactions).build();
        }
    }

    @BeforeEach
    void start() throws IOException {
        hangPartition = null;
        hangEntered = new CountDownLatch(1);
        hangRelease = new CountDownLatch(1);
        schema = PostgresTestDatabase.newSchema();
        int port;
        try (ServerSocket free = new ServerSocket(0)) {
            port = free.getLocalPort();
        }
        List<String> common = new ArrayList<>(schema.springArgs());
        common.addAll(List.of("--imagebatch.sandbox.enabled=false",
                "--" + ClusterProperties.BROKER_URL + "=tcp://127.0.0.1:" + port,
                "--imagebatch.cluster.poll-interval=100ms", "--imagebatch.lock.ttl=3s"));
        List<String> managerArgs = new ArrayList<>(common);
        managerArgs.addAll(List.of("--imagebatch.cluster.embedded-broker=true",
                "--imagebatch.cluster.journal-dir=" + dir.resolve("broker"), "--test.role=manager"));
        manager = context(managerArgs);
        new JdbcTemplate(manager.getBean(DataSource.class)).execute("CREATE TABLE CLUSTER_TEST_DONE (ROW_NUM INT,"
                + " PARTITION_NAME VARCHAR(40), STEP_EXECUTION_ID BIGINT, ROLE VARCHAR(20))");
        List<String> workerArgs = new ArrayList<>(common);
        workerArgs.addAll(List.of("--" + ClusterConfiguration.WORKER + "=true",
                "--imagebatch.cluster.worker-threads=2", "--test.role=worker"));
        worker = context(workerArgs);
        worker.getBean(JmsMessageDrivenEndpoint.class).start();
    }

    @AfterEach
    void stop() {
        hangRelease.countDown();
        if (worker != null) {
            worker.close();
        }
        if (manager != null) {
            manager.close();
        }
        schema.drop();
    }

    @Test
    void partitionsSentThroughTheBrokerAreRunByAWorkerAndTheirCompletionIsSeenInTheJobRepository()
            throws Exception {
        PartitionHandler handler = manager.getBean(PartitionHandlers.class)
                .handlerFor("cluster-000000000001", 3, manager.getBean("testPartitionStep", Step.class));

        JobExecution execution = run(handler, "cluster-000000000001").get(2, TimeUnit.MINUTES);

        assertThat(execution.getStatus()).isEqualTo(BatchStatus.COMPLETED);
        assertThat(doneRows()).isEqualTo(everyRowOnce());
        assertThat(jdbc().queryForList("SELECT DISTINCT ROLE FROM CLUSTER_TEST_DONE", String.class))
                .containsExactly("worker");
        assertThat(partitionExecutions(execution)).hasSize(3)
                .allSatisfy(s -> assertThat(s.getStatus()).isEqualTo(BatchStatus.COMPLETED));
    }

    @Test
    void aPartitionWhoseWorkerMakesNoProgressIsFailedAndSentAgainWithItsExecutionContext() throws Exception {
        hangPartition = "partition0";
        TestClock clock = new TestClock(1_750_000_000_000L);
        ClusterProperties properties = manager.getBean(ClusterProperties.class);
        PartitionHandler handler = new ClusterPartitionHandler(manager.getBean(JobRepository.class),
                new MessagingTemplate(manager.getBean("imagebatchPartitionRequests", DirectChannel.class)),
                TEST_STEP, "cluster-000000000002", 3, properties, clock);

        CompletableFuture<JobExecution> run = run(handler, "cluster-000000000002");
        assertThat(hangEntered.await(2, TimeUnit.MINUTES)).isTrue();
        // the other partitions end; partition0 stays STARTED without progress while the manager's clock moves
        waitFor(() -> jdbc().queryForObject("SELECT COUNT(DISTINCT PARTITION_NAME) FROM CLUSTER_TEST_DONE",
                Integer.class) == 2);
        waitFor(() -> {
            clock.advance(Duration.ofSeconds(30).toMillis());
            return jdbc().queryForObject("SELECT COUNT(*) FROM BATCH_STEP_EXECUTION WHERE STEP_NAME = ?",
                    Integer.class, "partition:partition0") == 2;
        });
        hangRelease.countDown(); // the stale run wakes up: its chunk is refused (its step execution changed)

        JobExecution execution = run.get(2, TimeUnit.MINUTES);

        assertThat(execution.getStatus()).isEqualTo(BatchStatus.COMPLETED);
        List<StepExecution> partition0 = partitionExecutions(execution).stream()
                .filter(s -> s.getStepName().equals("partition:partition0"))
                .sorted(Comparator.comparingLong(StepExecution::getId)).toList();
        assertThat(partition0).hasSize(2);
        assertThat(partition0.get(0).getStatus()).isEqualTo(BatchStatus.FAILED);
        assertThat(partition0.get(0).getExitStatus().getExitDescription()).contains("no progress", "sent again");
        assertThat(partition0.get(1).getStatus()).isEqualTo(BatchStatus.COMPLETED);
        assertThat(partition0.get(1).getExecutionContext().getInt("rows.from"))
                .isEqualTo(partition0.get(0).getExecutionContext().getInt("rows.from"));
        // every row once: the stale run's rows were rolled back with its chunk
        assertThat(doneRows()).isEqualTo(everyRowOnce());
        assertThat(jdbc().queryForList("SELECT DISTINCT STEP_EXECUTION_ID FROM CLUSTER_TEST_DONE WHERE"
                + " PARTITION_NAME = 'partition0'", Long.class)).containsExactly(partition0.get(1).getId());
    }

    /**
     * The broker restarted mid-run (stopped and started again on its persistent journal) while a partition had to be
     * sent again: the manager keeps trying until the broker is back instead of failing the batch, the worker's
     * listener reconnects and takes the request, and the batch completes with every row once.
     */
    @Test
    void aBrokerRestartedMidRunLosesNoPartitionAndTheBatchCompletes() throws Exception {
        hangPartition = "partition0";
        TestClock clock = new TestClock(1_750_000_000_000L);
        ClusterProperties properties = manager.getBean(ClusterProperties.class);
        // the manager's real sender, watched: how many sends the broker refused
        AtomicInteger refusedSends = new AtomicInteger();
        MessagingTemplate sender = new MessagingTemplate(manager.getBean("imagebatchPartitionRequests",
                DirectChannel.class)) {
            @Override
            public void send(Message<?> message) {
                try {
                    super.send(message);
                } catch (RuntimeException refused) {
                    refusedSends.incrementAndGet();
                    throw refused;
                }
            }
        };
        PartitionHandler handler = new ClusterPartitionHandler(manager.getBean(JobRepository.class), sender,
                TEST_STEP, "cluster-000000000003", 3, properties, clock);

        CompletableFuture<JobExecution> run = run(handler, "cluster-000000000003");
        assertThat(hangEntered.await(2, TimeUnit.MINUTES)).isTrue();
        waitFor(() -> jdbc().queryForObject("SELECT COUNT(DISTINCT PARTITION_NAME) FROM CLUSTER_TEST_DONE",
                Integer.class) == 2);
        EmbeddedBroker broker = manager.getBean(EmbeddedBroker.class);
        broker.stop();
        // the manager sends partition0 again while the broker is down: the broker is back only once that send
        // was refused
        waitFor(() -> {
            clock.advance(Duration.ofSeconds(30).toMillis());
            return refusedSends.get() > 0;
        });
        broker.start();
        hangRelease.countDown();

        JobExecution execution = run.get(2, TimeUnit.MINUTES);

        assertThat(execution.getStatus()).isEqualTo(BatchStatus.COMPLETED);
        assertThat(doneRows()).isEqualTo(everyRowOnce());
    }

    private CompletableFuture<JobExecution> run(PartitionHandler handler, String batchId) {
        JobRepository repository = manager.getBean(JobRepository.class);
        Partitioner ranges = gridSize -> {
            Map<String, ExecutionContext> partitions = new HashMap<>();
            int per = (ROWS + gridSize - 1) / gridSize;
            for (int p = 0; p < gridSize; p++) {
                ExecutionContext range = new ExecutionContext();
                range.putInt("rows.from", p * per + 1);
                range.putInt("rows.to", Math.min(ROWS, (p + 1) * per));
                partitions.put("partition" + p, range);
            }
            return partitions;
        };
        Step partitions = new StepBuilder(PipelineSteps.PARTITIONS, repository)
                .partitioner(PipelineSteps.PARTITION, ranges).partitionHandler(handler).gridSize(3).build();
        Job job = new JobBuilder("clusterTest", repository).start(partitions).build();
        JobOperator operator = manager.getBean(JobOperator.class);
        return CompletableFuture.supplyAsync(() -> {
            try {
                return operator.start(job, new JobParametersBuilder().addString("batch.id", batchId)
                        .toJobParameters());
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
    }

    private List<StepExecution> partitionExecutions(JobExecution execution) {
        return manager.getBean(JobRepository.class).getJobExecution(execution.getId()).getStepExecutions()
                .stream().filter(s -> s.getStepName().startsWith(PipelineSteps.PARTITION + ":")).toList();
    }

    private List<Integer> doneRows() {
        return jdbc().queryForList("SELECT ROW_NUM FROM CLUSTER_TEST_DONE ORDER BY ROW_NUM", Integer.class);
    }

    private static List<Integer> everyRowOnce() {
        List<Integer> rows = new ArrayList<>();
        for (int row = 1; row <= ROWS; row++) {
            rows.add(row);
        }
        return rows;
    }

    private JdbcTemplate jdbc() {
        return new JdbcTemplate(manager.getBean(DataSource.class));
    }

    private static ConfigurableApplicationContext context(List<String> args) {
        return new SpringApplicationBuilder(ImageBatchApplication.class, TestWorkerStep.class)
                .web(WebApplicationType.NONE).run(args.toArray(String[]::new));
    }

    /** Polls every 100 ms, for at most 2 minutes (a loaded machine), until the condition holds. */
    private static void waitFor(BooleanSupplier condition) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("waited 2 minutes").isLessThan(end);
            Thread.sleep(100);
        }
    }
}
