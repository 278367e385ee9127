package io.imagebatch.report;

import io.imagebatch.ledger.BatchRegistry;
import io.imagebatch.ledger.TaskLedger;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.util.Objects;
import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.repository.JobRepository;

/**
 * Builds a batch's {@link BatchManifest} from the ledger, the job repository and the provider: for the report
 * step, where the batch is finished, and for the end of a run that failed or stopped.
 */
public class ManifestFactory {

    private final TaskLedger ledger;
    private final JobRepository jobRepository;
    private final ProviderCredits credits;
    private final Clock clock;
    /** The batches: the estimate and balances of their preflight, and their spend; null for none. */
    private BatchRegistry registry;
    /** {@code imagebatch.spend.currency}, for the manifest's {@code spend}; set by {@link #spendFrom}. */
    private String currency;

    /**
     * @param ledger        the ledger
     * @param jobRepository the job repository, for the batch's first start
     * @param credits       the provider's credits, where it reports them
     * @param clock         the clock for the end time of the report
     */
    public ManifestFactory(TaskLedger ledger, JobRepository jobRepository, ProviderCredits credits, Clock clock) {
        this(ledger, jobRepository, credits, clock, null);
    }

    /**
     * @param ledger        the ledger
     * @param jobRepository the job repository, for the batch's first start
     * @param credits       the provider's credits, where it reports them
     * @param clock         the clock for the end time of the report
     * @param registry      the batches, for the spend estimate of their last preflight
     *                      ({@link BatchRegistry#estimate}); null for none
     */
    public ManifestFactory(TaskLedger ledger, JobRepository jobRepository, ProviderCredits credits, Clock clock,
            BatchRegistry registry) {
        this.ledger = ledger;
        this.jobRepository = jobRepository;
        this.credits = credits;
        this.clock = clock;
        this.registry = registry;
    }

    /**
     * Adds the batch's spend to every manifest (docs/design.md, Spend).
     *
     * @param registry the batch registry, whose {@link BatchRegistry#spend} it reads
     * @param currency {@code imagebatch.spend.currency}
     * @return this factory
     */
    public ManifestFactory spendFrom(BatchRegistry registry, String currency) {
        this.registry = registry;
        this.currency = currency;
        return this;
    }

    /**
     * Adds the batch's proof run (README.md, Spend, "The proof run") to a manifest.
     *
     * @param manifest     a manifest of this factory
     * @param contactSheet the contact sheet's URI, or null when none was written
     * @return the manifest with its {@code proof}; the same manifest when the batch has no proof run
     */
    public BatchManifest withProof(BatchManifest manifest, java.net.URI contactSheet) {
        if (registry == null) {
            return manifest;
        }
        return registry.proof(manifest.batchId()).map(p -> manifest.withProof(new BatchManifest.Proof(
                p.state().name(), contactSheet == null ? null : contactSheet.toString()))).orElse(manifest);
    }

    /** The spend lines of the manifest: estimated and observed, then the budget's committed and refunded. */
    private BatchManifest withSpend(BatchManifest manifest) {
        if (registry == null) {
            return manifest;
        }
        BatchManifest estimated = withEstimateAndObserved(manifest);
        return registry.spend(manifest.batchId())
                .filter(s -> s.budget() != null || s.committed().signum() != 0 || s.refunded().signum() != 0)
                .map(s -> estimated.withSpend(new BatchManifest.Spend(currency, s.budget(), s.committed(),
                        s.refunded())))
                .orElse(estimated);
    }

    /**
     * The manifest of a finished batch, as the report step writes it: status {@code COMPLETED} (the report step
     * is the job's last), the counts of {@code report.csv}, end time now.
     *
     * @param facts     the batch
     * @param tally     what {@link ResultsReport#write} wrote
     * @param execution the job execution running the report step
     * @return the manifest
     */
    public BatchManifest finished(BatchFacts facts, BatchTally tally, JobExecution execution) {
        return withSpend(BatchManifest.of(facts, tally, BatchStatus.COMPLETED.name(), firstStart(execution),
                clock.instant(), credits.left(facts.provider())));
    }

    /**
     * The manifest of a run that ended (in {@code afterJob}): the job's status, the counts so far (rows not
     * finished are in no count), its end time.
     *
     * @param facts     the batch
     * @param execution the job execution that ended
     * @return the manifest
     */
    public BatchManifest ended(BatchFacts facts, JobExecution execution) {
        BatchTally tally = BatchTally.soFar(ledger, facts.batchId(), facts.catalogueRows());
        Instant end = execution.getEndTime() == null ? clock.instant() : toInstant(execution.getEndTime());
        return withProof(withSpend(BatchManifest.of(facts, tally, execution.getStatus().name(), firstStart(execution),
                end, credits.left(facts.provider()))), null);
    }

    /**
     * The manifest's "estimated", and "observed" where the provider reported
     * a balance before the first create and reports one now ({@link BatchManifest#credits}).
     */
    private BatchManifest withEstimateAndObserved(BatchManifest manifest) {
        if (registry == null) {
            return manifest;
        }
        String batchId = manifest.batchId();
        if (manifest.credits() != null && registry.balanceBefore(batchId).isPresent()) {
            registry.recordBalanceAfter(batchId, java.math.BigDecimal.valueOf(manifest.credits()));
        }
        return manifest.withEstimated(registry.estimate(batchId)
                        .map(e -> new BatchManifest.Estimated(e.amount(), e.currency(), e.complete())).orElse(null))
                .withObserved(registry.observedSpend(batchId).orElse(null));
    }

    /** When the batch's job instance first started: a resumed batch started with its first run, not this one. */
    private Instant firstStart(JobExecution execution) {
        LocalDateTime first = execution.getStartTime();
        try {
            first = jobRepository.getJobExecutions(execution.getJobInstance()).stream()
                    .map(JobExecution::getStartTime).filter(Objects::nonNull)
                    .reduce(first, (a, b) -> a == null || b.isBefore(a) ? b : a);
        } catch (RuntimeException e) {
            // the current run's start is still a fair answer
        }
        return first == null ? null : toInstant(first);
    }

    /** Spring Batch keeps times as local date-times of this JVM's zone. */
    private static Instant toInstant(LocalDateTime time) {
        return time.atZone(ZoneId.systemDefault()).toInstant();
    }
}
