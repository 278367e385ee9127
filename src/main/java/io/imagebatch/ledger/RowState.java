package io.imagebatch.ledger;

/**
 * The state of one catalogue row in the ledger (docs/design.md, The ledger).
 */
public enum RowState {
    /** Validation failed, by our rules or the provider's answer to the create call; never (re)sent. */
    REJECTED,
    /** To be sent again: {@code retry-failed} moved a FAILED (or, when asked, UNCERTAIN) row here. */
    PENDING,
    /** The intent is committed and the create call is in flight. Found after a crash, it becomes UNCERTAIN. */
    SUBMITTING,
    /** The provider returned a taskId; not yet seen running. */
    SUBMITTED,
    /** The provider reports the task queued or generating. */
    RUNNING,
    /**
     * The provider reports success; the result URL is known, the image is <b>not stored yet</b> (the download
     * step stores it: {@link #STORED}). Called SUCCEEDED by versions before this name, which
     * {@link LedgerSchemaUpgrade} renames in older ledgers. Not the report's {@code SUCCEEDED}, which means
     * stored (docs/design.md, The ledger).
     */
    GENERATED,
    /** The provider said fail, the deadline passed, or the image could not be fetched. */
    FAILED,
    /** The image is in the output store, with its SHA-256 and size. */
    STORED,
    /** The create call may or may not have reached the provider: never resent silently. */
    UNCERTAIN,
    /**
     * Never sent: its price did not fit in the batch budget, or in its provider's daily budget, when its turn
     * came (the reason, with the amounts, is in its error). A run with a larger budget makes it PENDING and
     * sends it (docs/design.md, Spend).
     */
    HELD;

    /**
     * Reads a state as the ledger's {@code STATE} column holds it.
     *
     * @param stored the column's value, e.g. {@code "STORED"}
     * @return the state; {@code "SUCCEEDED"}, written by versions before {@link #GENERATED} was named so (an
     *         older process still running on a shared database), reads as {@link #GENERATED}
     * @throws IllegalArgumentException when the value names no state
     */
    public static RowState fromStored(String stored) {
        return "SUCCEEDED".equals(stored) ? GENERATED : valueOf(stored);
    }

    /** @return true for states a batch can end in */
    public boolean isFinal() {
        return this == REJECTED || this == FAILED || this == STORED || this == UNCERTAIN || this == HELD;
    }

    /** @return true while the poll step still has to query the task */
    public boolean isInFlight() {
        return this == SUBMITTED || this == RUNNING;
    }
}
