package io.imagebatch.security;

/**
 * What a console user may do (docs/console.md, "Who may do what"). Each role includes the ones before it: a
 * SUBMITTER may do all a VIEWER may, an ADMIN all a SUBMITTER may.
 */
public enum ConsoleRole {
    /** Sees their team's batches, images, reports, and downloads them. */
    VIEWER,
    /** Also uploads, validates, starts, stops, resumes, retries, approves and redoes a row. */
    SUBMITTER,
    /** Also sees every team's batches and the settings in force (never a secret). */
    ADMIN;

    /** @return the Spring Security authority of the role: {@code ROLE_} and its name */
    public String authority() {
        return "ROLE_" + name();
    }
}
