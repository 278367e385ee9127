package io.imagebatch.ledger;

import java.sql.ResultSet;
import java.sql.SQLException;
import org.springframework.jdbc.core.RowMapper;

/**
 * How a line of {@code IB_TASK_LEDGER} ({@code db/ledger-schema.sql}) is read into a {@link LedgerEntry}, and how
 * a provider's words are fitted to the columns that store them. Shared by {@link TaskLedger} and its tests.
 */
final class LedgerRows {

    /** Written out by hand: a reflective DataClassRowMapper made a 100,000-row pass take seconds, not tenths. */
    static final RowMapper<LedgerEntry> ENTRY = (rs, i) -> new LedgerEntry(
            rs.getString("BATCH_ID"), rs.getLong("ROW_NUM"), rs.getString("ROW_ID"),
            RowState.fromStored(rs.getString("STATE")), rs.getInt("ATTEMPT"), rs.getString("PROVIDER"),
            rs.getString("MODEL"), rs.getString("PROMPT"), rs.getString("REQUEST"), rs.getString("TASK_ID"),
            rs.getString("PROVIDER_STATE"), rs.getString("RESULT_URL"), rs.getString("OUTPUT_URI"),
            rs.getString("SHA256"), nullableLong(rs, "BYTES"), rs.getString("ERROR_CODE"), rs.getString("ERROR"),
            rs.getInt("POLLS"), rs.getInt("DOWNLOAD_ATTEMPTS"), nullableLong(rs, "SUBMITTED_AT"),
            nullableLong(rs, "NEXT_CHECK_AT"), nullableLong(rs, "DEADLINE_AT"), rs.getLong("UPDATED_AT"),
            rs.getInt("URL_REFRESHES"), failureKind(rs), rs.getInt("VARIANT"), rs.getBoolean("CHOSEN"));

    /** The width of {@code PROVIDER_STATE VARCHAR(60)} ({@code db/ledger-schema.sql}), in characters. */
    static final int PROVIDER_STATE_CHARS = 60;
    /** The width of {@code ERROR_CODE VARCHAR(120)} ({@code db/ledger-schema.sql}), in characters. */
    static final int ERROR_CODE_CHARS = 120;

    /**
     * Cuts a provider's word to the column that stores it, so that an undocumented, over-long status word or code
     * is recorded (cut, with a trailing {@code …}) instead of failing the update and with it the step.
     *
     * @param text  the text, or null
     * @param chars the column's width in characters
     * @return {@code text} when it fits (or is null), else its first {@code chars - 1} characters and {@code …}
     */
    static String fit(String text, int chars) {
        if (text == null || text.length() <= chars) {
            return text;
        }
        int end = chars - 1;
        if (Character.isHighSurrogate(text.charAt(end - 1))) {
            end--;
        }
        return text.substring(0, end) + "\u2026";
    }

    /** The FAILED row's kind ({@link FailureKind#of}); null for a row in any other state. */
    private static FailureKind failureKind(ResultSet rs) throws SQLException {
        return RowState.FAILED.name().equals(rs.getString("STATE"))
                ? FailureKind.of(rs.getString("FAILURE_KIND"), rs.getString("TASK_ID")) : null;
    }

    private static Long nullableLong(ResultSet rs, String column) throws SQLException {
        long value = rs.getLong(column);
        return rs.wasNull() ? null : value;
    }

    private LedgerRows() {
    }
}
