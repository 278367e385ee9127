package io.imagebatch.console;

/**
 * No such batch or row for this user: unknown, or another team's (which a non-ADMIN must not learn exists). The
 * API answers 404 (docs/console.md, "The API").
 */
public class BatchNotFoundException extends RuntimeException {

    /** @param message what was not found, for example {@code no batch demo-3f9a0c12be47} */
    public BatchNotFoundException(String message) {
        super(message);
    }
}
