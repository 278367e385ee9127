package io.imagebatch.report;

import io.imagebatch.ledger.RowState;

/**
 * A row's outcome as the results report gives it.
 */
public enum ReportStatus {
    /** The image is stored (ledger STORED). */
    SUCCEEDED,
    /** Never sent: our validation or the provider's refused the row. */
    REJECTED,
    /** The generation failed, its deadline passed, or its image could not be stored. */
    FAILED,
    /** The create call may have reached the provider without an answer; not resent. */
    UNCERTAIN,
    /** Never sent: its price did not fit in the budget (the reason names the amounts); a larger budget sends it. */
    HELD;

    /**
     * @param state a final ledger state
     * @return its report status
     * @throws IllegalArgumentException for a state that is not final (the batch is not finished)
     */
    public static ReportStatus of(RowState state) {
        return switch (state) {
            case STORED -> SUCCEEDED;
            case REJECTED -> REJECTED;
            case FAILED -> FAILED;
            case UNCERTAIN -> UNCERTAIN;
            case HELD -> HELD;
            default -> throw new IllegalArgumentException("row state " + state + " is not final");
        };
    }
}
