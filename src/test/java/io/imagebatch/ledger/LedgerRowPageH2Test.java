package io.imagebatch.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Connection;
import java.sql.SQLException;
import javax.sql.DataSource;
import org.h2.api.Trigger;
import org.junit.jupiter.api.Test;

/**
 * {@link LedgerRowPageContract} on H2, the default database; and the atomicity of a redo, shown with an H2
 * trigger that makes the database refuse the redo's second statement.
 */
class LedgerRowPageH2Test extends LedgerRowPageContract {

    @Override
    DataSource openDataSource() {
        return h2();
    }

    /**
     * The redo's archive and its state change are one transaction: when the state change fails (as when the
     * process dies between the two statements: nothing after the first is committed), the archived attempt is
     * not there either, and the row is as it was; a redo made again then archives it once.
     */
    @Test
    void aRedoWhoseStateChangeFailsLeavesNeitherTheArchivedAttemptNorTheRound() {
        batches.recordBatch(BATCH, "{}");
        stored(1, "A1", "a red chair");
        jdbc.sql("CREATE TRIGGER IB_REFUSE_PENDING BEFORE UPDATE ON IB_TASK_LEDGER FOR EACH ROW CALL \""
                + RefusePending.class.getName() + "\"").update();

        assertThatThrownBy(() -> retries.startRedo(BATCH, 1, RowState.STORED, 1, "a green chair", "file:/h/A1.png"))
                .hasMessageContaining("refused by the test");

        assertThat(retries.archivedAttempts(BATCH)).isZero();
        assertThat(batches.retryRounds(BATCH)).isZero();
        assertThat(ledger.find(BATCH, 1).orElseThrow())
                .extracting(LedgerEntry::state, LedgerEntry::attempt, LedgerEntry::prompt)
                .containsExactly(RowState.STORED, 1, "a red chair");
        assertThat(ledger.promptOverrides(BATCH)).isEmpty();

        jdbc.sql("DROP TRIGGER IB_REFUSE_PENDING").update();
        assertThat(retries.startRedo(BATCH, 1, RowState.STORED, 1, "a green chair", "file:/h/A1.png")).isTrue();
        assertThat(retries.archivedAttempts(BATCH)).isOne();
    }

    /** An H2 trigger that refuses every update making a row PENDING. */
    public static final class RefusePending implements Trigger {

        /** For H2, which makes the trigger by its class name. */
        public RefusePending() {
        }

        @Override
        public void fire(Connection conn, Object[] oldRow, Object[] newRow) throws SQLException {
            if (newRow != null && "PENDING".equals(newRow[3])) {
                throw new SQLException("refused by the test");
            }
        }
    }
}
