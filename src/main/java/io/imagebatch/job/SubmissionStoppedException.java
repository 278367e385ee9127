package io.imagebatch.job;

/**
 * Submission to a provider stopped: the account is wrong (401, 402, 403, 505) or the provider stayed busy
 * through every attempt. The submit step fails, the job execution is FAILED and can be resumed; the rows not
 * sent stay unsent (their intents are released), and the rows already sent keep their taskIds.
 */
public class SubmissionStoppedException extends RuntimeException {

    /** @param message what happened and what to do, without any secret */
    public SubmissionStoppedException(String message) {
        super(message);
    }
}
