package io.imagebatch.ledger;

/**
 * Why a FAILED row failed, as far as paying for it goes; recorded in the ledger ({@code IB_TASK_LEDGER.FAILURE_KIND})
 * when the row fails, and deciding what {@code retry-failed} does with it (README, "Other commands"): the
 * design rule is that a row whose task succeeded, or may still succeed, is never created (paid for) again.
 */
public enum FailureKind {
    /**
     * The generation itself failed: the provider said so (its status answer, or its answer to the create call),
     * or no task was ever created. {@code retry-failed} creates the row again, as a new attempt.
     */
    GENERATION_FAILED("generation failed"),
    /**
     * A task was created (and paid for) but its image is not stored: the result could not be fetched or stored,
     * or the task's deadline passed before it finished. {@code retry-failed} queries the same task again for a
     * fresh result URL and stores the image; it never creates the row again.
     */
    RESULT_NOT_STORED("paid, result not stored"),
    /**
     * The provider refused the row for its content policy, at create or as a failed generation
     * ({@code io.imagebatch.provider.ContentRefusals}; docs/providers/content-policy.md): sending the same prompt
     * again would be refused again, so {@code retry-failed} leaves it unless {@code --include-content-policy} is
     * given (README, "Content refusals"). Its label is the reason category {@code content_policy}.
     */
    CONTENT_POLICY("content_policy");

    private final String label;

    FailureKind(String label) {
        this.label = label;
    }

    /** @return the words the report, the contact sheet and {@code status} use, e.g. {@code paid, result not stored} */
    public String label() {
        return label;
    }

    /**
     * The kind of a FAILED row as stored, for rows failed by an older version that recorded none: a row with a
     * task is taken as {@link #RESULT_NOT_STORED} (querying its task again costs one status query; creating it
     * again could pay twice), a row without one as {@link #GENERATION_FAILED}.
     *
     * @param stored the {@code FAILURE_KIND} column, or null
     * @param taskId the row's task id, or null when no task was created
     * @return the kind
     * @throws IllegalArgumentException when {@code stored} is not a name of this enum
     */
    public static FailureKind of(String stored, String taskId) {
        if (stored != null) {
            return valueOf(stored);
        }
        return taskId == null ? GENERATION_FAILED : RESULT_NOT_STORED;
    }
}
