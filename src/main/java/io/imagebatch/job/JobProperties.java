package io.imagebatch.job;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Tuning of {@code imageProductionJob}, {@code imagebatch.job.*}.
 *
 * @param chunkSize            catalogue rows per submit chunk (one transaction, one reader checkpoint); 20
 * @param concurrency          provider calls and downloads in flight at once, at most, over all providers; 32
 * @param createAttempts       attempts of one create call while the provider is busy (429, 5xx, refused
 *                             connection) before the job stops, restartably; 5
 * @param retryInitialDelay    first backoff after a busy answer, doubled each time; 1 s
 * @param retryMaxDelay        longest backoff (a {@code Retry-After} may ask for more, and is honoured); 30 s
 * @param pollEarly            status query interval while a task is younger than 30 s; 2.5 s (kie.ai advice:
 *                             every 2-3 s for the first 30 s, docs/providers/liangxin.md)
 * @param pollMiddle           interval from 30 s to 2 minutes; 7.5 s (kie.ai: 5-10 s)
 * @param pollLate             interval after 2 minutes; 20 s (kie.ai: 15-30 s)
 * @param taskDeadline         a task not terminal this long after creation is FAILED; 15 minutes (kie.ai: give
 *                             up after 10-15 minutes)
 * @param pollBatch            rows queried per poll pass (one transaction each); 100
 * @param downloadAttempts     attempts to fetch one result image before the row is FAILED; 3
 * @param progressInterval     how often a run prints its progress; 5 s
 * @param printMemory          print the peak heap used at the end of a run (for the benchmark); false
 * @param pollCallbackFallback with callbacks on, how long a task that will call back runs before it is polled
 *                             anyway while no generation time of its provider and model is known yet; once
 *                             some are, a task is polled only when overdue by them ({@link PollSchedule}). The
 *                             callback normally comes first and records the task without a query; 30 s
 */
@ConfigurationProperties("imagebatch.job")
public record JobProperties(
        @DefaultValue("20") int chunkSize,
        @DefaultValue("32") int concurrency,
        @DefaultValue("5") int createAttempts,
        @DefaultValue("1s") Duration retryInitialDelay,
        @DefaultValue("30s") Duration retryMaxDelay,
        @DefaultValue("2500ms") Duration pollEarly,
        @DefaultValue("7500ms") Duration pollMiddle,
        @DefaultValue("20s") Duration pollLate,
        @DefaultValue("15m") Duration taskDeadline,
        @DefaultValue("100") int pollBatch,
        @DefaultValue("3") int downloadAttempts,
        @DefaultValue("5s") Duration progressInterval,
        @DefaultValue("false") boolean printMemory,
        @DefaultValue("30s") Duration pollCallbackFallback) {

    /**
     * When to query a task next, from its age (the kie.ai schedule of docs/providers/liangxin.md).
     *
     * @param ageMillis time since the task was created, ms
     * @return delay until the next status query, ms
     */
    public long pollDelayMillis(long ageMillis) {
        if (ageMillis < 30_000) {
            return pollEarly.toMillis();
        }
        return ageMillis < 120_000 ? pollMiddle.toMillis() : pollLate.toMillis();
    }

    /**
     * Exponential backoff for the n-th consecutive busy answer, never shorter than the provider's
     * {@code Retry-After}.
     *
     * @param attempt    1 for the first retry
     * @param retryAfter the provider's {@code Retry-After}, or null
     * @return the wait, ms
     */
    public long backoffMillis(int attempt, Duration retryAfter) {
        long exponential = retryInitialDelay.toMillis() << Math.min(20, Math.max(0, attempt - 1));
        long delay = Math.min(exponential, retryMaxDelay.toMillis());
        return retryAfter == null ? delay : Math.max(delay, retryAfter.toMillis());
    }
}
