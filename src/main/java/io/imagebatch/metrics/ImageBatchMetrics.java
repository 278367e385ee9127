package io.imagebatch.metrics;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.springframework.beans.factory.ObjectProvider;

/**
 * The names and tags of ImageBatch's own Micrometer meters, and how a component finds the registry. Each meter
 * is registered where its work happens (the ledger, the provider throttle, the poll step); this class only keeps
 * the names in one place. Served on {@code /actuator/metrics/NAME} and {@code /actuator/prometheus} by
 * {@code serve}.
 *
 * <table>
 *   <caption>Meters</caption>
 *   <tr><th>name</th><th>type</th><th>tags</th><th>what</th></tr>
 *   <tr><td>{@value #ROWS}</td><td>counter</td><td>{@code state}</td><td>catalogue rows that reached a state
 *       (REJECTED, SUBMITTED, GENERATED, FAILED, STORED, UNCERTAIN), recorded by the ledger write</td></tr>
 *   <tr><td>{@value #PROVIDER_REQUESTS}</td><td>counter</td><td>{@code provider}, {@code call}
 *       (create, status, balance, find), {@code outcome} (success, row_invalid, account, busy,
 *       generation_failed)</td><td>requests made to a provider and how they ended; a status answer that says
 *       the generation failed counts as generation_failed</td></tr>
 *   <tr><td>{@value #RATE_LIMITED}</td><td>counter</td><td>{@code provider}</td><td>429 answers</td></tr>
 *   <tr><td>{@value #STATUS_QUERIES_PER_TASK}</td><td>distribution summary</td><td>{@code provider}</td>
 *       <td>status queries a task took, recorded when it ends (succeeded, failed, deadline)</td></tr>
 *   <tr><td>{@value #BYTES_STORED}</td><td>counter (bytes)</td><td></td><td>image bytes written to the output
 *       stores</td></tr>
 *   <tr><td>{@value #PROVIDER_CREDITS}</td><td>gauge</td><td>{@code provider}</td><td>the balance the provider
 *       last reported (crun.ai), in its credits; absent for providers that report none</td></tr>
 *   <tr><td>{@value #SPEND_COMMITTED}</td><td>gauge</td><td>{@code batch}</td><td>the batch's committed spend
 *       ({@code IB_BATCH.COMMITTED_SPEND}, as {@code status} and the manifest show it), in
 *       {@code imagebatch.spend.currency} (docs/design.md, Spend)</td></tr>
 *   <tr><td>{@value #SPEND_BUDGET_REMAINING}</td><td>gauge</td><td>{@code batch}</td><td>what is left of the
 *       batch budget (NaN without one)</td></tr>
 * </table>
 *
 * No meter is tagged with a row id or prompt: their number has no bound. Only the spend gauges carry the batch
 * id, as the budget is per batch; they are registered while this process runs a batch and reserves its priced
 * rows, and removed when that run ends, so a long-lived process does not accumulate them.
 */
public final class ImageBatchMetrics {

    /** Counter of rows that reached a state; tag {@value #STATE}. */
    public static final String ROWS = "imagebatch.rows";
    /** Counter of provider requests; tags {@value #PROVIDER}, {@value #CALL}, {@value #OUTCOME}. */
    public static final String PROVIDER_REQUESTS = "imagebatch.provider.requests";
    /** Counter of 429 answers; tag {@value #PROVIDER}. */
    public static final String RATE_LIMITED = "imagebatch.provider.rate_limited";
    /** Distribution summary of status queries per finished task; tag {@value #PROVIDER}. */
    public static final String STATUS_QUERIES_PER_TASK = "imagebatch.status.queries.per.task";
    /** Counter of image bytes stored. */
    public static final String BYTES_STORED = "imagebatch.bytes.stored";
    /** Gauge of the provider's reported balance; tag {@value #PROVIDER}. */
    public static final String PROVIDER_CREDITS = "imagebatch.provider.credits";

    /** Gauge of the committed spend of a batch; tag {@value #BATCH}. */
    public static final String SPEND_COMMITTED = "imagebatch.spend.committed";
    /** Gauge of what is left of a batch's budget; tag {@value #BATCH}. */
    public static final String SPEND_BUDGET_REMAINING = "imagebatch.spend.budget.remaining";

    /** Tag: the batch id (spend gauges only). */
    public static final String BATCH = "batch";
    /** Tag: the row state. */
    public static final String STATE = "state";
    /** Tag: the provider name. */
    public static final String PROVIDER = "provider";
    /** Tag: the provider call ({@code create}, {@code status}, {@code balance}, {@code find}). */
    public static final String CALL = "call";
    /** Tag: how a provider call ended ({@code success} or a failure class in lower case). */
    public static final String OUTCOME = "outcome";

    private ImageBatchMetrics() {
    }

    /**
     * The application's registry, or a private in-memory one where the context has none (a test slice), so that
     * recording never needs a null check.
     *
     * @param registries the context's registry, if any
     * @return a registry to record to
     */
    public static MeterRegistry registry(ObjectProvider<MeterRegistry> registries) {
        return registries.getIfAvailable(SimpleMeterRegistry::new);
    }
}
