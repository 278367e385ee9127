package io.imagebatch.callback;

/**
 * Published (a Spring application event, synchronously on the callback's request thread) once an authenticated
 * callback's terminal state was recorded in the ledger ({@link CallbackController}): the job learns the task's
 * generation time from it, for the fallback polling of tasks whose callback never comes
 * ({@code job.PollSchedule}), and the download step wakes at once.
 *
 * @param batchId          the batch
 * @param provider         the provider, for example {@code liangxin}
 * @param model            the entry's model, or null when it names none
 * @param generationMillis how long the task took, ms: the provider's own figure where its payload has one
 *                         (LiangXin {@code costTime}), else from its create's answer to the callback's arrival
 * @param succeeded        true when the task succeeded (its image is now due for download), false when it failed
 */
public record TaskEndedByCallback(String batchId, String provider, String model, long generationMillis,
        boolean succeeded) {
}
