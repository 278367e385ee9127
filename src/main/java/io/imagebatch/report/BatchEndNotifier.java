package io.imagebatch.report;

import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.listener.JobExecutionListener;

/**
 * Sends the batch's manifest to the notification webhook ({@link NotifyProperties}) when a run of the job ends:
 * for a completed batch the very manifest the report step wrote ({@link #MANIFEST_JSON} in the job's execution
 * context), for a run that failed or stopped one with its status and the counts so far. Nothing here can fail
 * the job: every error is logged.
 */
public class BatchEndNotifier implements JobExecutionListener {

    /** Job execution context key of the manifest JSON the report step wrote. */
    public static final String MANIFEST_JSON = "report.manifest";

    private static final Logger log = LoggerFactory.getLogger(BatchEndNotifier.class);

    private final WebhookNotifier webhook;
    private final ManifestFactory manifests;
    private final Function<JobExecution, BatchFacts> facts;

    /**
     * @param webhook   where the manifest goes (nothing is done when no webhook is set)
     * @param manifests builds the manifest of a run that did not complete
     * @param facts     the batch a job execution runs
     */
    public BatchEndNotifier(WebhookNotifier webhook, ManifestFactory manifests,
            Function<JobExecution, BatchFacts> facts) {
        this.webhook = webhook;
        this.manifests = manifests;
        this.facts = facts;
    }

    /** Sends the manifest; never throws. */
    @Override
    public void afterJob(JobExecution execution) {
        if (!webhook.isConfigured()) {
            return;
        }
        String json;
        try {
            json = execution.getStatus() == BatchStatus.COMPLETED
                    ? execution.getExecutionContext().getString(MANIFEST_JSON, null) : null;
            if (json == null) {
                json = manifests.ended(facts.apply(execution), execution).toJson();
            }
        } catch (RuntimeException e) {
            log.warn("Could not build the batch manifest for the webhook: {}", e.toString());
            return;
        }
        webhook.send(json);
    }
}
