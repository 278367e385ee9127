package io.imagebatch.ledger;

/**
 * Where a proof run stands ({@code IB_BATCH.PROOF_STATE}; README.md, Spend, "The proof run"): a batch run with
 * {@code --proof N} sends only its N proof rows, holds the others and waits for {@code approve} or
 * {@code reject}.
 */
public enum ProofState {
    /** The proof rows are sent (or being sent); the other valid rows are HELD until approved or rejected. */
    AWAITING_APPROVAL,
    /** Approved: the held rows are sent, within the batch budget. */
    APPROVED,
    /** Rejected: nothing more is sent; the held rows stay HELD with the reason {@code proof: rejected}. */
    REJECTED
}
