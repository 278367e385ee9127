package io.imagebatch.job;

import io.imagebatch.ledger.LedgerEntry;
import io.imagebatch.ledger.LedgerReconciliation;
import io.imagebatch.ledger.TaskLedger;
import io.imagebatch.provider.ImageRequest;
import io.imagebatch.provider.ProviderAdapter;
import io.imagebatch.provider.ProviderException;
import io.imagebatch.provider.ProviderRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

/**
 * Reconciles a batch's UNCERTAIN rows where the provider can list its tasks (HiAPI): a row adopts a task only
 * when the task was made from the row's request, inside the row's create window (from its intent to the end of
 * that attempt, {@link LedgerReconciliation#createWindow}, widened by {@link #CLOCK_SLACK} on each side), and no
 * ledger row of any batch holds it, now or in an earlier attempt ({@link LedgerReconciliation#isTaskClaimed}). So
 * an earlier attempt's task, another batch's, or one made before this row's request left, is never adopted
 * (README, "Exactly once"). A row without a recorded window (made UNCERTAIN by an older version) stays UNCERTAIN.
 * Other UNCERTAIN rows stay so: never resent silently.
 */
public class UncertainRowReconciler {

    /**
     * How far a provider's clock may be from ours, each way, when a listed task's creation time is compared with
     * a row's create window: 2 s. <b>Our choice</b>; no provider documents its clock.
     */
    public static final Duration CLOCK_SLACK = Duration.ofSeconds(2);

    private static final Logger log = LoggerFactory.getLogger(UncertainRowReconciler.class);
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final ProviderRegistry providers;
    private final TaskLedger ledger;
    private final JobProperties properties;
    private final Clock clock;

    /**
     * @param providers  the adapters
     * @param ledger     the ledger
     * @param properties the task deadline of an adopted task
     * @param clock      the clock of the first status query and the deadline
     */
    public UncertainRowReconciler(ProviderRegistry providers, TaskLedger ledger, JobProperties properties,
            Clock clock) {
        this.providers = providers;
        this.ledger = ledger;
        this.properties = properties;
        this.clock = clock;
    }

    /**
     * Tries every UNCERTAIN row of the batch once. A provider that does not answer leaves the row UNCERTAIN (it is
     * logged), as does a request that cannot be read.
     *
     * @param batchId the batch
     * @return the rows that adopted their task now (they are SUBMITTED, due for a status query at once)
     */
    public int reconcile(String batchId) {
        return reconcile(batchId, 1, Long.MAX_VALUE);
    }

    /**
     * {@link #reconcile(String)} of one partition's rows (README.md, "More than one machine"): each partition
     * reconciles only its own UNCERTAIN rows, so that two partitions never look for the same row's task at once.
     *
     * @param batchId the batch
     * @param fromRow the first row, 1-based, inclusive
     * @param toRow   the last row, inclusive
     * @return the rows that adopted their task now (they are SUBMITTED, due for a status query at once)
     */
    public int reconcile(String batchId, long fromRow, long toRow) {
        int found = 0;
        LedgerReconciliation rows = ledger.reconciliation();
        for (LedgerEntry row : rows.uncertainRows(batchId)) {
            if (row.rowNum() < fromRow || row.rowNum() > toRow) {
                continue;
            }
            ProviderAdapter adapter = providers.find(row.provider()).orElse(null);
            if (adapter == null || !adapter.canFindTasks() || row.request() == null) {
                continue;
            }
            Optional<LedgerReconciliation.CreateWindow> window = rows.createWindow(batchId, row.rowNum(),
                    row.variant());
            if (window.isEmpty()) {
                log.info("{}: row {} stays UNCERTAIN: no create window was recorded for it", batchId, row.rowNum());
                continue;
            }
            try {
                ImageRequest request = JSON.readValue(row.request(), ImageRequest.class);
                Optional<String> task = adapter.findTask(request,
                        Instant.ofEpochMilli(window.get().from()).minus(CLOCK_SLACK),
                        Instant.ofEpochMilli(window.get().to()).plus(CLOCK_SLACK), rows::isTaskClaimed);
                if (task.isPresent()) {
                    long now = clock.millis();
                    rows.reconcile(batchId, row.rowNum(), row.variant(), task.get(), now,
                            now + properties.taskDeadline().toMillis());
                    log.info("{}: row {} reconciled with task {} found at the provider", batchId, row.rowNum(),
                            task.get());
                    found++;
                }
            } catch (ProviderException | JacksonException e) {
                log.info("{}: row {} stays UNCERTAIN: {}", batchId, row.rowNum(), e.getMessage());
            }
        }
        return found;
    }
}
