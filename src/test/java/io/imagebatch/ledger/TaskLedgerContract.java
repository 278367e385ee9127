package io.imagebatch.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Every {@link TaskLedger} and {@link LedgerRetries} method, and {@code db/ledger-schema.sql}, against a real
 * database ({@link BatchRegistry}'s are in {@link BatchRegistryContract}): the same tests run
 * on H2 ({@link TaskLedgerH2Test}, the default database) and on PostgreSQL ({@link TaskLedgerPostgresTest}), so
 * the ledger's SQL is shown to mean the same on both.
 */
abstract class TaskLedgerContract extends LedgerTestDatabase {

    // ---- the schema ----

    @Test
    void theSchemaRunsAgainAtEveryStartWithoutFailingOrLosingData() {
        batches.recordBatch(BATCH, "{}");
        ledger.insertIntent(BATCH, 1, "A1", "liangxin", "m", "p", "{}");

        applySchema();

        assertThat(batches.batchSettings(BATCH)).contains("{}");
        assertThat(ledger.find(BATCH, 1)).isPresent();
        assertThat(columns("IB_BATCH")).containsExactly("BATCH_ID", "SETTINGS", "CREATED_AT", "CALLBACK_TOKEN",
                "RETRIES", "LOCK_GENERATION", "LOCK_HOLDER", "LOCK_SINCE", "ESTIMATED_SPEND", "ESTIMATED_CURRENCY",
                "ESTIMATE_COMPLETE", "BALANCE_BEFORE", "BALANCE_AFTER", "BUDGET", "COMMITTED_SPEND", "REFUNDED_SPEND",
                "PROOF_ROWS", "PROOF_STATE");
        assertThat(columns("IB_TASK_LEDGER")).hasSize(31).startsWith("BATCH_ID", "ROW_NUM", "ROW_ID", "STATE")
                .endsWith("UPDATED_AT", "URL_REFRESHES", "FAILURE_KIND", "CREATE_WINDOW_START", "CREATE_WINDOW_END",
                        "COST", "PROMPT_OVERRIDE", "VARIANT", "CHOSEN");
        assertThat(columns("IB_TASK_ATTEMPT")).hasSize(12).endsWith("ENDED_AT", "PROMPT", "OUTPUT_URI", "VARIANT");
    }

    @Test
    void aLedgerOfTheFirstVersionIsUpgradedInPlaceOnce() {
        jdbc.sql("DROP TABLE IB_TASK_ATTEMPT").update();
        jdbc.sql("DROP TABLE IB_TASK_LEDGER").update();
        jdbc.sql("DROP TABLE IB_BATCH").update();
        runScript("ledger/ledger-schema-first-version.sql");
        jdbc.sql("INSERT INTO IB_BATCH (BATCH_ID, SETTINGS, CREATED_AT) VALUES (?, '{}', ?)").params(BATCH, T0)
                .update();
        jdbc.sql("INSERT INTO IB_TASK_LEDGER (BATCH_ID, ROW_NUM, ROW_ID, STATE, UPDATED_AT) VALUES (?, 1, 'A1',"
                + " 'FAILED', ?)").params(BATCH, T0).update();
        assertThat(columns("IB_BATCH")).doesNotContain("CALLBACK_TOKEN", "RETRIES");

        assertThat(applySchema()).containsExactly("IB_BATCH.CALLBACK_TOKEN", "IB_BATCH.RETRIES",
                "IB_BATCH.LOCK_GENERATION", "IB_BATCH.LOCK_HOLDER", "IB_BATCH.LOCK_SINCE",
                "IB_BATCH.ESTIMATED_SPEND", "IB_BATCH.ESTIMATED_CURRENCY", "IB_BATCH.ESTIMATE_COMPLETE",
                "IB_BATCH.BALANCE_BEFORE", "IB_BATCH.BALANCE_AFTER", "IB_BATCH.BUDGET",
                "IB_BATCH.COMMITTED_SPEND", "IB_BATCH.REFUNDED_SPEND", "IB_BATCH.PROOF_ROWS", "IB_BATCH.PROOF_STATE",
                "IB_TASK_LEDGER.URL_REFRESHES", "IB_TASK_LEDGER.FAILURE_KIND", "IB_TASK_LEDGER.CREATE_WINDOW_START",
                "IB_TASK_LEDGER.CREATE_WINDOW_END", "IB_TASK_LEDGER.COST", "IB_TASK_LEDGER.PROMPT_OVERRIDE",
                "IB_TASK_LEDGER.VARIANT", "IB_TASK_LEDGER.CHOSEN", "IB_TASK_LEDGER(BATCH_ID, ROW_NUM, VARIANT)");
        assertThat(applySchema()).isEmpty();

        assertThat(columns("IB_BATCH")).containsExactly("BATCH_ID", "SETTINGS", "CREATED_AT", "CALLBACK_TOKEN",
                "RETRIES", "LOCK_GENERATION", "LOCK_HOLDER", "LOCK_SINCE", "ESTIMATED_SPEND", "ESTIMATED_CURRENCY",
                "ESTIMATE_COMPLETE", "BALANCE_BEFORE", "BALANCE_AFTER", "BUDGET", "COMMITTED_SPEND", "REFUNDED_SPEND",
                "PROOF_ROWS", "PROOF_STATE");
        assertThat(columns("IB_TASK_LEDGER")).hasSize(31).endsWith("FAILURE_KIND", "CREATE_WINDOW_START",
                "CREATE_WINDOW_END", "COST", "PROMPT_OVERRIDE", "VARIANT", "CHOSEN");
        // the old lines read as new ones, with the new columns' defaults
        assertThat(batches.retryRounds(BATCH)).isZero();
        assertThat(ledger.find(BATCH, 1).orElseThrow())
                .extracting(LedgerEntry::state, LedgerEntry::attempt, LedgerEntry::urlRefreshes)
                .containsExactly(RowState.FAILED, 1, 0);
        assertThat(retries.startRetryRound(BATCH, false)).isEqualTo(1);
        assertThat(retries.archivedAttempts(BATCH)).isEqualTo(1);
        assertThat(batches.callbackToken(BATCH)).hasSize(64);
    }

    /**
     * A ledger made before variants is keyed by (BATCH_ID, ROW_NUM) in both tables: the first start widens both
     * keys with VARIANT (README.md, Variants), keeps every row as variant 1, and a row's second variant then gets
     * its own entry, created exactly once, while the row's first is still refused a second intent.
     */
    @Test
    void aLedgerKeyedByRowAloneGetsTheVariantKeyWithItsRowsKeptAsVariantOne() {
        jdbc.sql("DROP TABLE IB_TASK_ATTEMPT").update();
        jdbc.sql("DROP TABLE IB_TASK_LEDGER").update();
        runScript("ledger/ledger-schema-before-variants.sql");
        batches.recordBatch(BATCH, "{}");
        jdbc.sql("INSERT INTO IB_TASK_LEDGER (BATCH_ID, ROW_NUM, ROW_ID, STATE, TASK_ID, UPDATED_AT)"
                + " VALUES (?, 1, 'A1', 'FAILED', 't-1', ?)").params(BATCH, T0).update();
        jdbc.sql("INSERT INTO IB_TASK_LEDGER (BATCH_ID, ROW_NUM, ROW_ID, STATE, UPDATED_AT)"
                + " VALUES (?, 2, 'A2', 'STORED', ?)").params(BATCH, T0).update();
        jdbc.sql("INSERT INTO IB_TASK_ATTEMPT (BATCH_ID, ROW_NUM, ATTEMPT, STATE, ENDED_AT)"
                + " VALUES (?, 1, 1, 'FAILED', ?)").params(BATCH, T0).update();

        assertThat(applySchema()).containsExactly("IB_TASK_LEDGER.VARIANT", "IB_TASK_LEDGER.CHOSEN",
                "IB_TASK_ATTEMPT.VARIANT", "IB_TASK_LEDGER(BATCH_ID, ROW_NUM, VARIANT)",
                "IB_TASK_ATTEMPT(BATCH_ID, ROW_NUM, VARIANT, ATTEMPT)");
        assertThat(applySchema()).isEmpty();

        assertThat(ledger.find(BATCH, 1, 1).orElseThrow())
                .extracting(LedgerEntry::rowId, LedgerEntry::state, LedgerEntry::variant, LedgerEntry::chosen)
                .containsExactly("A1", RowState.FAILED, 1, false);
        assertThat(ledger.find(BATCH, 2).orElseThrow().variant()).isEqualTo(1);
        assertThat(ledger.report().attempts(BATCH, 1, 1)).hasSize(1);
        // the wider key: a second variant of a row is an entry of its own, exactly once
        assertThat(ledger.insertIntent(BATCH, 2, 2, "A2", "liangxin", "m", "p", "{}")).isTrue();
        assertThat(ledger.insertIntent(BATCH, 2, 2, "A2", "liangxin", "m", "p", "{}")).isFalse();
        assertThat(ledger.insertIntent(BATCH, 2, 1, "A2", "liangxin", "m", "p", "{}")).isFalse();
        assertThat(ledger.find(BATCH, 2, 1).orElseThrow().state()).isEqualTo(RowState.STORED);
        assertThat(ledger.find(BATCH, 2, 2).orElseThrow().state()).isEqualTo(RowState.SUBMITTING);
        // a retry round archives a variant's attempt under its own key
        assertThat(retries.startRetryRound(BATCH, false)).isEqualTo(1);
        assertThat(retries.archivedAttempts(BATCH)).isEqualTo(1);
    }

    /**
     * A ledger of a version before {@link RowState#GENERATED} holds {@code SUCCEEDED} for a row whose result is
     * known but not stored: the first start renames it, once, and the download step still finds and stores it.
     */
    @Test
    void aRowLeftSucceededByAnOlderVersionIsRenamedGeneratedOnceAndStillDownloads() {
        batches.recordBatch(BATCH, "{}");
        submitted(BATCH, 1, T0);
        submitted(BATCH, 2, T0);
        ledger.polls().markGenerated(BATCH, 2, "SUCCESS", "https://img.example/2.png");
        // what an older version wrote: the old name, in the state column of both rows
        jdbc.sql("UPDATE IB_TASK_LEDGER SET STATE = 'SUCCEEDED', RESULT_URL = 'https://img.example/' || ROW_NUM"
                + " || '.png', NEXT_CHECK_AT = ? WHERE BATCH_ID = ?").params(T0, BATCH).update();

        LedgerSchemaUpgrade upgrade = new LedgerSchemaUpgrade(jdbc);
        assertThat(upgrade.renameStates()).isEqualTo(2);
        assertThat(upgrade.renameStates()).isZero();
        assertThat(applySchema()).isEmpty();

        assertThat(ledger.report().countByState(BATCH)).containsExactly(Map.entry(RowState.GENERATED, 2L));
        assertThat(ledger.downloads().dueForDownload(BATCH, T0, 10))
                .extracting(LedgerEntry::rowNum, LedgerEntry::resultUrl)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(1L, "https://img.example/1.png"),
                        org.assertj.core.groups.Tuple.tuple(2L, "https://img.example/2.png"));
        ledger.downloads().markStored(BATCH, 1, "file:out/1.png", "00".repeat(32), 10);
        ledger.markFailed(BATCH, 2, null, "download", "HTTP 404", FailureKind.RESULT_NOT_STORED);
        assertThat(ledger.find(BATCH, 1).orElseThrow().state()).isEqualTo(RowState.STORED);
        assertThat(ledger.find(BATCH, 2).orElseThrow().state()).isEqualTo(RowState.FAILED);
    }

    /**
     * A ledger of an older version has a second index on the taskId, (BATCH_ID, TASK_ID): the start drops it, once
     * (every commit of taskIds rewrote a leaf of it at a random place; README.md, "A million rows"), and a
     * callback still finds its task, in its own batch only, through the index on the taskId.
     */
    @Test
    void theOlderSecondIndexOnTheTaskIdIsDroppedOnceAndACallbackStillFindsItsTask() {
        jdbc.sql("CREATE INDEX IF NOT EXISTS IB_TASK_LEDGER_TASK ON IB_TASK_LEDGER (BATCH_ID, TASK_ID)").update();
        batches.recordBatch(BATCH, "{}");
        batches.recordBatch("other", "{}");
        submitted(BATCH, 1, T0);
        submitted("other", 7, T0);
        // another batch's task with the same taskId (another provider account): not this batch's
        jdbc.sql("UPDATE IB_TASK_LEDGER SET TASK_ID = 'task-1' WHERE BATCH_ID = 'other'").update();

        LedgerSchemaUpgrade upgrade = new LedgerSchemaUpgrade(jdbc);
        assertThat(upgrade.dropIndexes()).containsExactly("IB_TASK_LEDGER.IB_TASK_LEDGER_TASK");
        assertThat(upgrade.dropIndexes()).isEmpty();
        assertThat(applySchema()).isEmpty();

        assertThat(ledger.polls().findInFlight(BATCH, "liangxin", "task-1")).map(LedgerEntry::rowNum).contains(1L);
        assertThat(ledger.polls().findInFlight("other", "liangxin", "task-1")).map(LedgerEntry::rowNum).contains(7L);
        assertThat(ledger.polls().findInFlight("unknown", "liangxin", "task-1")).isEmpty();
    }

    /**
     * A ledger table that has no primary key (here IB_TASK_ATTEMPT's dropped) is left as it is by the start's key
     * widening ({@link LedgerSchemaUpgrade#widenKeys}: only a key whose columns differ is replaced), and the rest of
     * the upgrade goes on; its metadata read finds nothing under either spelling of the table's name.
     */
    @Test
    void aLedgerTableWithoutAPrimaryKeyIsLeftAsItIsAndTheUpgradeGoesOn() {
        String constraint = jdbc.sql("SELECT 1").query(rs -> {
            java.sql.Connection connection = rs.getStatement().getConnection();
            for (String name : List.of("IB_TASK_ATTEMPT", "ib_task_attempt")) {
                try (java.sql.ResultSet keys = connection.getMetaData().getPrimaryKeys(connection.getCatalog(),
                        connection.getSchema(), name)) {
                    if (keys.next()) {
                        return keys.getString("PK_NAME");
                    }
                }
            }
            return "none";
        });
        assertThat(constraint).isNotEqualTo("none");
        jdbc.sql("ALTER TABLE IB_TASK_ATTEMPT DROP CONSTRAINT " + constraint).update();

        assertThat(new LedgerSchemaUpgrade(jdbc).widenKeys()).isEmpty();
        assertThat(applySchema()).isEmpty();
    }

    /**
     * An older version still running on the same database writes the old name after this version's upgrade:
     * the row reads as GENERATED (status, report), never as an error that would fail the step reading it.
     */
    @Test
    void aRowAnOlderProcessWritesSucceededAfterTheUpgradeReadsAsGenerated() {
        batches.recordBatch(BATCH, "{}");
        submitted(BATCH, 1, T0);
        jdbc.sql("UPDATE IB_TASK_LEDGER SET STATE = 'SUCCEEDED', RESULT_URL = 'https://img.example/1.png'"
                + " WHERE BATCH_ID = ?").params(BATCH).update();

        assertThat(ledger.find(BATCH, 1).orElseThrow().state()).isEqualTo(RowState.GENERATED);
        assertThat(ledger.report().countByState(BATCH)).containsExactly(Map.entry(RowState.GENERATED, 1L));
    }

    /**
     * Another process starts (status, stop, a second run) while a batch runs: its schema run must neither wait
     * for the running job's open step transaction, which has read the ledger, nor hold up the job's ledger writes.
     */
    @Test
    void theSchemaRunsWhileARunningJobHasTheLedgerOpenInATransaction() throws Exception {
        batches.recordBatch(BATCH, "{}");
        ledger.insertIntent(BATCH, 1, "A1", "liangxin", "m", "p", "{}");
        try (Connection step = dataSource.getConnection()) {
            step.setAutoCommit(false);
            try (Statement s = step.createStatement()) {
                s.executeQuery("SELECT COUNT(*) FROM IB_TASK_LEDGER").close();
                s.executeQuery("SELECT COUNT(*) FROM IB_BATCH").close();
                s.executeQuery("SELECT COUNT(*) FROM IB_TASK_ATTEMPT").close();
            }
            ExecutorService otherProcess = Executors.newSingleThreadExecutor();
            try {
                Future<List<String>> start = otherProcess.submit(this::applySchema);
                assertThat(start.get(15, TimeUnit.SECONDS)).isEmpty();
                // and the running job's own writes go on
                Future<?> write = otherProcess.submit(() ->
                        ledger.markSubmitted(BATCH, 1, "task-1", T0, T0, T0));
                write.get(15, TimeUnit.SECONDS);
            } finally {
                otherProcess.shutdownNow();
                step.rollback();
            }
        }
        assertThat(ledger.find(BATCH, 1).orElseThrow().state()).isEqualTo(RowState.SUBMITTED);
    }


    // ---- submit step ----

    @Test
    void anIntentIsRecordedOnceAndASecondInsertOfTheSameRowIsRefused() {
        assertThat(ledger.insertIntent(BATCH, 1, "A1", "liangxin", "m", "first", "{}")).isTrue();
        clock.advance(5);
        assertThat(ledger.insertIntent(BATCH, 1, "A1", "liangxin", "m", "second", "{}")).isFalse();
        assertThat(ledger.insertRejected(BATCH, 1, "A1", null, null, "third", "no")).isFalse();

        LedgerEntry entry = ledger.find(BATCH, 1).orElseThrow();
        assertThat(entry.state()).isEqualTo(RowState.SUBMITTING);
        assertThat(entry.prompt()).isEqualTo("first");
        assertThat(entry.updatedAt()).isEqualTo(T0);
        // the same row number in another batch is another row
        assertThat(ledger.insertIntent(OTHER, 1, "A1", "liangxin", "m", "first", "{}")).isTrue();
    }

    @Test
    void intentsCommitOnTheirOwnAndARefusedOneLeavesTheChunkTransactionUsable() {
        ledger.insertIntent(BATCH, 1, "A1", "liangxin", "m", "p", "{}");
        TransactionTemplate chunk = new TransactionTemplate(transactions);
        chunk.executeWithoutResult(tx -> {
            assertThat(ledger.insertIntent(BATCH, 1, "A1", "liangxin", "m", "p", "{}")).isFalse();
            assertThat(ledger.insertIntent(BATCH, 2, "A2", "liangxin", "m", "p", "{}")).isTrue();
            // the chunk's own transaction still works after the refused insert
            assertThat(jdbc.sql("SELECT COUNT(*) FROM IB_TASK_LEDGER").query(Long.class).single()).isEqualTo(2);
            tx.setRollbackOnly();
        });
        // committed in their own transactions: the chunk's rollback does not take the intent back
        assertThat(ledger.find(BATCH, 2)).map(LedgerEntry::state).contains(RowState.SUBMITTING);
    }

    @Test
    void aRejectedRowIsRecordedWithItsReasonAndNothingElse() {
        assertThat(ledger.insertRejected(BATCH, 7, "row-7", null, null, null, "row 7, column prompt: empty"))
                .isTrue();

        LedgerEntry e = ledger.find(BATCH, 7).orElseThrow();
        assertThat(e).isEqualTo(new LedgerEntry(BATCH, 7, "row-7", RowState.REJECTED, 1, null, null, null, null,
                null, null, null, null, null, null, null, "row 7, column prompt: empty", 0, 0, null, null, null, T0,
                0));
        assertThat(ledger.find(BATCH, 8)).isEmpty();
    }

    @Test
    void everyColumnOfALineThatWentAllTheWayMapsBackToTheRecord() {
        String prompt = "Studio photo of the \u00c5sa chair \u2014 \u6905\u5b50 \ud83e\ude91, \"quoted\", it's "
                + "x".repeat(5000);
        ledger.insertIntent(BATCH, 3, "NB-1003", "liangxin", "nano-banana-pro", prompt, "{\"prompt\":\"...\"}");
        clock.advance(10);
        ledger.markSubmitted(BATCH, 3, "task-3", T0 + 10, T0 + 2500, T0 + 900_000);
        clock.advance(10);
        ledger.polls().markPolled(BATCH, 3, RowState.RUNNING, "GENERATING", T0 + 5000);
        ledger.polls().markGenerated(BATCH, 3, "SUCCESS", "https://img.example/3-old.png");
        ledger.downloads().rescheduleDownload(BATCH, 3, T0 + 6000, "HTTP 403");
        ledger.downloads().refreshResultUrl(BATCH, 3, "https://img.example/3.png", "expired");
        clock.advance(10);
        long big = 5_000_000_000L; // past an int: BYTES is a BIGINT
        ledger.downloads().markStored(BATCH, 3, "s3://b/p/NB-1003.png", "ab".repeat(32), big);

        LedgerEntry e = ledger.find(BATCH, 3).orElseThrow();
        assertThat(e).isEqualTo(new LedgerEntry(BATCH, 3, "NB-1003", RowState.STORED, 1, "liangxin",
                "nano-banana-pro", prompt, "{\"prompt\":\"...\"}", "task-3", "SUCCESS", "https://img.example/3.png",
                "s3://b/p/NB-1003.png", "ab".repeat(32), big, null, null, 2, 1, T0 + 10, T0 + 20, T0 + 900_000,
                T0 + 30, 1));
    }

    @Test
    void anUndocumentedStatusWordOrCodeLongerThanItsColumnIsCutNotAFailedStep() {
        String word = "STILL_THINKING_ABOUT_IT_".repeat(10);
        String code = "E".repeat(400);
        ledger.insertIntent(BATCH, 1, "A1", "liangxin", "m", "p", "{}");
        ledger.markSubmitted(BATCH, 1, "task-1", T0, T0, T0 + 900_000);
        ledger.polls().markPolled(BATCH, 1, RowState.RUNNING, word, T0 + 5000);
        assertThat(ledger.find(BATCH, 1).orElseThrow().providerState())
                .hasSize(LedgerRows.PROVIDER_STATE_CHARS).startsWith("STILL_THINKING").endsWith("\u2026");

        ledger.markFailed(BATCH, 1, word, code, "the provider said so");
        LedgerEntry failed = ledger.find(BATCH, 1).orElseThrow();
        assertThat(failed.state()).isEqualTo(RowState.FAILED);
        assertThat(failed.errorCode()).hasSize(LedgerRows.ERROR_CODE_CHARS).startsWith("EEE");

        ledger.insertIntent(BATCH, 2, "A2", "liangxin", "m", "p", "{}");
        ledger.markSubmitted(BATCH, 2, "task-2", T0, T0, T0 + 900_000);
        ledger.polls().markGenerated(BATCH, 2, word, "https://img.example/2.png");
        assertThat(ledger.find(BATCH, 2).orElseThrow().providerState()).hasSize(LedgerRows.PROVIDER_STATE_CHARS);
    }

    @Test
    void aTaskIdIsRecordedOnlyForARowWhoseIntentIsInFlight() {
        ledger.insertRejected(BATCH, 1, "A1", null, null, "p", "bad");
        ledger.markSubmitted(BATCH, 1, "task-1", T0, T0, T0);
        assertThat(ledger.find(BATCH, 1).orElseThrow().taskId()).isNull();

        ledger.insertIntent(BATCH, 2, "A2", "liangxin", "m", "p", "{}");
        ledger.markSubmitted(BATCH, 2, "task-2", T0 + 1, T0 + 2, T0 + 3);
        LedgerEntry e = ledger.find(BATCH, 2).orElseThrow();
        assertThat(e.state()).isEqualTo(RowState.SUBMITTED);
        assertThat(e.taskId()).isEqualTo("task-2");
        assertThat(List.of(e.submittedAt(), e.nextCheckAt(), e.deadlineAt())).containsExactly(T0 + 1, T0 + 2, T0 + 3);
    }

    @Test
    void anIntentWithoutATaskIsReleasedMarkedUncertainOrRejectedButOnlyWhileSubmitting() {
        for (long row = 1; row <= 4; row++) {
            ledger.insertIntent(BATCH, row, "A" + row, "liangxin", "m", "p", "{}");
        }
        ledger.markSubmitted(BATCH, 4, "task-4", T0, T0, T0);

        ledger.releaseIntent(BATCH, 1);
        ledger.markUncertain(BATCH, 2, "timed out");
        ledger.markRejectedByProvider(BATCH, 3, "400", "prompt too long");
        ledger.releaseIntent(BATCH, 4);
        ledger.markUncertain(BATCH, 4, "no");
        ledger.markRejectedByProvider(BATCH, 4, "400", "no");

        assertThat(ledger.find(BATCH, 1)).isEmpty();
        assertThat(ledger.find(BATCH, 2).orElseThrow()).extracting(LedgerEntry::state, LedgerEntry::error)
                .containsExactly(RowState.UNCERTAIN, "timed out");
        assertThat(ledger.find(BATCH, 3).orElseThrow())
                .extracting(LedgerEntry::state, LedgerEntry::errorCode, LedgerEntry::error)
                .containsExactly(RowState.REJECTED, "400", "prompt too long");
        assertThat(ledger.find(BATCH, 4).orElseThrow().state()).isEqualTo(RowState.SUBMITTED);
        // a released row can be sent again
        assertThat(ledger.insertIntent(BATCH, 1, "A1", "liangxin", "m", "p", "{}")).isTrue();
    }

    @Test
    void theFirstRowWithAnIdIsFound() {
        ledger.insertIntent(BATCH, 5, "dup", "liangxin", "m", "p", "{}");
        ledger.insertRejected(BATCH, 9, "dup", null, null, "p", "repeats row 5");
        ledger.insertIntent(OTHER, 2, "dup", "liangxin", "m", "p", "{}");

        assertThat(ledger.firstRowWithId(BATCH, "dup")).contains(5L);
        assertThat(ledger.firstRowWithId(BATCH, "none")).isEmpty();
        assertThat(ledger.firstRowWithId("unknown-000000000000", "dup")).isEmpty();
    }

    // ---- poll step ----

    @Test
    void rowsDueForPollComeEarliestFirstThenByRowUpToTheLimit() {
        submitted(BATCH, 1, T0 + 300);
        submitted(BATCH, 2, T0 + 100);
        submitted(BATCH, 3, T0 + 100);
        submitted(BATCH, 4, T0 + 200);
        submitted(BATCH, 5, T0 + 999); // not due yet
        submitted(OTHER, 6, T0);       // another batch
        ledger.polls().markPolled(BATCH, 4, RowState.RUNNING, "GENERATING", T0 + 200);
        ledger.insertIntent(BATCH, 7, "A7", "liangxin", "m", "p", "{}"); // no task yet

        assertThat(ledger.polls().dueForPoll(BATCH, T0 + 500, 10)).extracting(LedgerEntry::rowNum)
                .containsExactly(2L, 3L, 4L, 1L);
        assertThat(ledger.polls().dueForPoll(BATCH, T0 + 500, 2))
                .extracting(LedgerEntry::rowNum).containsExactly(2L, 3L);
        assertThat(ledger.polls().dueForPoll(BATCH, T0 + 50, 10)).isEmpty();
        assertThat(ledger.polls().nextPollAt(BATCH)).contains(T0 + 100);
        assertThat(ledger.polls().nextPollAt("unknown-000000000000")).isEmpty();
    }

    @Test
    void pollAnswersAreRecordedOnlyForInFlightRows() {
        submitted(BATCH, 1, T0);
        clock.advance(100);
        ledger.polls().markPolled(BATCH, 1, RowState.RUNNING, "GENERATING", T0 + 1000);
        ledger.polls().reschedule(BATCH, 1, T0 + 3000, "HTTP 503");

        LedgerEntry e = ledger.find(BATCH, 1).orElseThrow();
        assertThat(e.state()).isEqualTo(RowState.RUNNING);
        assertThat(e.providerState()).isEqualTo("GENERATING");
        assertThat(e.polls()).isEqualTo(2);
        assertThat(e.nextCheckAt()).isEqualTo(T0 + 3000);
        assertThat(e.error()).isEqualTo("HTTP 503");
        assertThat(e.updatedAt()).isEqualTo(T0 + 100);

        ledger.polls().markGenerated(BATCH, 1, "SUCCESS", "https://img.example/1.png");
        e = ledger.find(BATCH, 1).orElseThrow();
        assertThat(e.state()).isEqualTo(RowState.GENERATED);
        assertThat(e.resultUrl()).isEqualTo("https://img.example/1.png");
        assertThat(e.error()).isNull();
        assertThat(e.polls()).isEqualTo(3);
        assertThat(e.nextCheckAt()).isEqualTo(T0 + 100);

        // no longer in flight: poll answers change nothing
        ledger.polls().markPolled(BATCH, 1, RowState.RUNNING, "LATE", T0);
        ledger.polls().reschedule(BATCH, 1, T0, "late");
        assertThat(ledger.find(BATCH, 1).orElseThrow().state()).isEqualTo(RowState.GENERATED);
        assertThat(ledger.polls().nextPollAt(BATCH)).isEmpty();
    }

    @Test
    void aFailedRowKeepsTheProviderStateItHadWhenTheFailureBringsNone() {
        submitted(BATCH, 1, T0);
        submitted(BATCH, 2, T0);
        ledger.polls().markPolled(BATCH, 1, RowState.RUNNING, "GENERATING", T0);
        ledger.polls().markPolled(BATCH, 2, RowState.RUNNING, "GENERATING", T0);

        ledger.markFailed(BATCH, 1, null, "deadline", "not finished in 15m");
        ledger.markFailed(BATCH, 2, "FAILED", "CONTENT_POLICY", "refused");

        assertThat(ledger.find(BATCH, 1).orElseThrow())
                .extracting(LedgerEntry::state, LedgerEntry::providerState, LedgerEntry::errorCode)
                .containsExactly(RowState.FAILED, "GENERATING", "deadline");
        assertThat(ledger.find(BATCH, 2).orElseThrow())
                .extracting(LedgerEntry::state, LedgerEntry::providerState, LedgerEntry::error)
                .containsExactly(RowState.FAILED, "FAILED", "refused");

        // a stored row is final
        stored(BATCH, 3);
        ledger.markFailed(BATCH, 3, null, "download", "no");
        assertThat(ledger.find(BATCH, 3).orElseThrow().state()).isEqualTo(RowState.STORED);
    }

    @Test
    void aCallbackExpeditesOnlyAnInFlightTaskOfItsProvider() {
        submitted(BATCH, 1, T0 + 60_000);
        clock.advance(7);

        assertThat(ledger.polls().expediteCheck(BATCH, "mingyan", "task-1")).isFalse();
        assertThat(ledger.polls().expediteCheck(BATCH, "liangxin", "task-x")).isFalse();
        assertThat(ledger.polls().expediteCheck(OTHER, "liangxin", "task-1")).isFalse();
        assertThat(ledger.polls().expediteCheck(BATCH, "liangxin", "task-1")).isTrue();
        assertThat(ledger.find(BATCH, 1).orElseThrow().nextCheckAt()).isEqualTo(T0 + 7);

        ledger.polls().markGenerated(BATCH, 1, "SUCCESS", "https://img.example/1.png");
        assertThat(ledger.polls().expediteCheck(BATCH, "liangxin", "task-1")).isFalse();
    }

    // ---- download step ----

    @Test
    void rowsDueForDownloadComeEarliestDueFirstThenInRowOrderUpToTheLimit() {
        for (long row : List.of(4L, 2L, 3L, 1L)) {
            succeeded(BATCH, row);
        }
        ledger.downloads().rescheduleDownload(BATCH, 3, T0 + 10_000, "HTTP 500");
        succeeded(OTHER, 5);

        assertThat(ledger.downloads().dueForDownload(BATCH, T0, 10))
                .extracting(LedgerEntry::rowNum).containsExactly(1L, 2L, 4L);
        assertThat(ledger.downloads().dueForDownload(BATCH, T0, 2))
                .extracting(LedgerEntry::rowNum).containsExactly(1L, 2L);
        // row 3 became due last
        assertThat(ledger.downloads().dueForDownload(BATCH, T0 + 10_000, 10)).extracting(LedgerEntry::rowNum)
                .containsExactly(1L, 2L, 4L, 3L);
        LedgerEntry three = ledger.find(BATCH, 3).orElseThrow();
        assertThat(three.downloadAttempts()).isEqualTo(1);
        assertThat(three.error()).isEqualTo("HTTP 500");

        assertThat(ledger.downloads().nextDownloadAt(BATCH)).contains(T0);
        for (long row : List.of(1L, 2L, 4L)) {
            ledger.downloads().markStored(BATCH, row, "file:out/" + row + ".png", "00".repeat(32), 10);
        }
        assertThat(ledger.downloads().nextDownloadAt(BATCH)).contains(T0 + 10_000);
        assertThat(ledger.downloads().nextDownloadAt("unknown-000000000000")).isEmpty();
    }

    @Test
    void aFreshResultUrlStartsTheDownloadsOver() {
        succeeded(BATCH, 1);
        ledger.downloads().rescheduleDownload(BATCH, 1, T0 + 1000, "HTTP 403");
        ledger.downloads().rescheduleDownload(BATCH, 1, T0 + 3000, "HTTP 403");
        clock.advance(5000);

        ledger.downloads().refreshResultUrl(BATCH, 1, "https://img.example/fresh.png", "expired after 2 attempts");

        LedgerEntry e = ledger.find(BATCH, 1).orElseThrow();
        assertThat(e.resultUrl()).isEqualTo("https://img.example/fresh.png");
        assertThat(e.downloadAttempts()).isZero();
        assertThat(e.urlRefreshes()).isEqualTo(1);
        assertThat(e.nextCheckAt()).isEqualTo(T0 + 5000);
        assertThat(e.error()).isEqualTo("expired after 2 attempts");
    }

    // ---- retry-failed ----

    @Test
    void aRetryRoundArchivesTheFailedAttemptsAndMakesThoseRowsPendingForExactlyOneClaim() {
        batches.recordBatch(BATCH, "{}");
        submitted(BATCH, 1, T0);
        ledger.markFailed(BATCH, 1, "FAILED", "E1", "generation failed", FailureKind.GENERATION_FAILED);
        ledger.insertIntent(BATCH, 2, "A2", "liangxin", "m", "p", "{}");
        ledger.markUncertain(BATCH, 2, "timed out");
        stored(BATCH, 3);
        submitted(OTHER, 1, T0);
        ledger.markFailed(OTHER, 1, "FAILED", "E1", "other batch", FailureKind.GENERATION_FAILED);

        assertThat(ledger.claimPending(BATCH, 1)).isFalse();
        assertThat(retries.startRetryRound(BATCH, false)).isEqualTo(1);

        assertThat(batches.retryRounds(BATCH)).isEqualTo(1);
        assertThat(retries.archivedAttempts(BATCH)).isEqualTo(1);
        LedgerEntry pending = ledger.find(BATCH, 1).orElseThrow();
        assertThat(pending.state()).isEqualTo(RowState.PENDING);
        assertThat(pending.attempt()).isEqualTo(2);
        assertThat(List.of(pending.polls(), pending.downloadAttempts())).containsOnly(0);
        assertThat(new Object[] {pending.taskId(), pending.providerState(), pending.resultUrl(),
            pending.errorCode(), pending.error(), pending.submittedAt(), pending.nextCheckAt(),
            pending.deadlineAt()}).containsOnlyNulls();
        assertThat(jdbc.sql("SELECT ATTEMPT, STATE, TASK_ID, ERROR_CODE, ERROR FROM IB_TASK_ATTEMPT"
                        + " WHERE BATCH_ID = ? AND ROW_NUM = 1").param(BATCH)
                .query((rs, i) -> List.of(rs.getInt(1), rs.getString(2), rs.getString(3), rs.getString(4),
                        rs.getString(5))).single())
                .isEqualTo(List.of(1, "FAILED", "task-1", "E1", "generation failed"));
        assertThat(ledger.find(BATCH, 2).orElseThrow().state()).isEqualTo(RowState.UNCERTAIN);
        assertThat(ledger.find(OTHER, 1).orElseThrow().state()).isEqualTo(RowState.FAILED);

        assertThat(ledger.claimPending(BATCH, 1)).isTrue();
        assertThat(ledger.claimPending(BATCH, 1)).isFalse();
        assertThat(ledger.find(BATCH, 1).orElseThrow().state()).isEqualTo(RowState.SUBMITTING);

        // a second round, with the uncertain rows too
        ledger.markSubmitted(BATCH, 1, "task-1b", T0, T0, T0);
        ledger.markFailed(BATCH, 1, "FAILED", "E2", "failed again", FailureKind.GENERATION_FAILED);
        assertThat(retries.startRetryRound(BATCH, true)).isEqualTo(2);
        assertThat(batches.retryRounds(BATCH)).isEqualTo(2);
        assertThat(retries.archivedAttempts(BATCH)).isEqualTo(3);
        assertThat(ledger.find(BATCH, 1).orElseThrow().attempt()).isEqualTo(3);
        assertThat(ledger.find(BATCH, 2).orElseThrow()).extracting(LedgerEntry::state, LedgerEntry::attempt)
                .containsExactly(RowState.PENDING, 2);
        assertThat(batches.retryRounds("unknown-000000000000")).isZero();
        assertThat(retries.archivedAttempts(OTHER)).isZero();
    }

    @Test
    void aRowWhosePaidResultWasNotStoredIsRetriedByQueryingItsTaskAgainNeverByANewCreate() {
        batches.recordBatch(BATCH, "{}");
        succeeded(BATCH, 1);
        ledger.markFailed(BATCH, 1, null, "download", "HTTP 403 from the result URL", FailureKind.RESULT_NOT_STORED);
        submitted(BATCH, 2, T0);
        ledger.markFailed(BATCH, 2, "GENERATING", "deadline", "not finished in 15m", FailureKind.RESULT_NOT_STORED);
        submitted(BATCH, 3, T0);
        ledger.markFailed(BATCH, 3, "FAILED", "E1", "the provider reported the generation failed",
                FailureKind.GENERATION_FAILED);
        // a row failed without a kind (as an older version recorded it): with a task, the safe side
        submitted(BATCH, 4, T0);
        ledger.markFailed(BATCH, 4, null, "download", "no");

        assertThat(ledger.find(BATCH, 1).orElseThrow().failureKind()).isEqualTo(FailureKind.RESULT_NOT_STORED);
        assertThat(ledger.find(BATCH, 3).orElseThrow().failureKind()).isEqualTo(FailureKind.GENERATION_FAILED);
        assertThat(retries.countFailedByKind(BATCH)).containsOnly(Map.entry(FailureKind.RESULT_NOT_STORED, 3L),
                Map.entry(FailureKind.GENERATION_FAILED, 1L));
        clock.set(T0 + 3_600_000);

        assertThat(retries.startRetryRound(BATCH, false)).isEqualTo(4);

        // the paid rows keep their task and attempt, due for a status query now, with a fresh deadline
        for (long row : List.of(1L, 2L, 4L)) {
            LedgerEntry again = ledger.find(BATCH, row).orElseThrow();
            assertThat(again.state()).as("row %d", row).isEqualTo(RowState.SUBMITTED);
            assertThat(again.taskId()).isEqualTo("task-" + row);
            assertThat(again.attempt()).isEqualTo(1);
            assertThat(again.nextCheckAt()).isEqualTo(T0 + 3_600_000);
            assertThat(again.deadlineAt()).isEqualTo(T0 + 3_600_000 + 900_000);
            assertThat(new Object[] {again.resultUrl(), again.error(), again.errorCode(), again.failureKind()})
                    .containsOnlyNulls();
            assertThat(List.of(again.downloadAttempts(), again.urlRefreshes())).containsOnly(0);
            assertThat(ledger.claimPending(BATCH, row)).isFalse();
        }
        assertThat(ledger.polls().dueForPoll(BATCH, T0 + 3_600_000, 10)).extracting(LedgerEntry::rowNum)
                .containsExactly(1L, 2L, 4L);
        // only the row whose generation failed is created again, as attempt 2
        assertThat(ledger.find(BATCH, 3).orElseThrow()).extracting(LedgerEntry::state, LedgerEntry::attempt)
                .containsExactly(RowState.PENDING, 2);
        assertThat(retries.archivedAttempts(BATCH)).isEqualTo(1);
        assertThat(retries.countFailedByKind(BATCH)).isEmpty();
    }

    @Test
    void aRetriedRowReleasedDuringABusyWaitKeepsItsAttemptSoTheNextRetryRoundArchivesIt() {
        batches.recordBatch(BATCH, "{}");
        submitted(BATCH, 1, T0);
        ledger.markFailed(BATCH, 1, "FAILED", "E1", "generation failed", FailureKind.GENERATION_FAILED);
        retries.startRetryRound(BATCH, false);

        // the writer's path for a rate-limited create of a retried row: claim, 429, release, wait, intent again
        assertThat(ledger.claimPending(BATCH, 1)).isTrue();
        ledger.releaseIntent(BATCH, 1);
        assertThat(ledger.find(BATCH, 1).orElseThrow()).extracting(LedgerEntry::state, LedgerEntry::attempt)
                .containsExactly(RowState.PENDING, 2);
        assertThat(ledger.insertIntent(BATCH, 1, "A1", "liangxin", "m", "p1", "{}")).isTrue();
        assertThat(ledger.insertIntent(BATCH, 1, "A1", "liangxin", "m", "p1", "{}")).isFalse();
        assertThat(ledger.find(BATCH, 1).orElseThrow()).extracting(LedgerEntry::state, LedgerEntry::attempt)
                .containsExactly(RowState.SUBMITTING, 2);
        ledger.markSubmitted(BATCH, 1, "task-1b", T0, T0, T0 + 900_000);
        ledger.markFailed(BATCH, 1, "FAILED", "E2", "failed again", FailureKind.GENERATION_FAILED);

        assertThat(retries.startRetryRound(BATCH, false)).isEqualTo(1);

        assertThat(ledger.find(BATCH, 1).orElseThrow().attempt()).isEqualTo(3);
        assertThat(jdbc.sql("SELECT ATTEMPT FROM IB_TASK_ATTEMPT WHERE BATCH_ID = ? AND ROW_NUM = 1 ORDER BY ATTEMPT")
                .param(BATCH).query(Integer.class).list()).containsExactly(1, 2);
    }

    @Test
    void aPendingRowRejectedWhenReadAgainEndsRejectedNotPending() {
        batches.recordBatch(BATCH, "{}");
        submitted(BATCH, 1, T0);
        ledger.markFailed(BATCH, 1, "FAILED", "E1", "generation failed", FailureKind.GENERATION_FAILED);
        retries.startRetryRound(BATCH, false);

        assertThat(ledger.insertRejected(BATCH, 1, "A1", "liangxin", "m", "p1",
                "row 1, column prompt: longer than 1000 characters")).isTrue();

        LedgerEntry rejected = ledger.find(BATCH, 1).orElseThrow();
        assertThat(rejected).extracting(LedgerEntry::state, LedgerEntry::attempt, LedgerEntry::error)
                .containsExactly(RowState.REJECTED, 2, "row 1, column prompt: longer than 1000 characters");
        assertThat(ledger.claimPending(BATCH, 1)).isFalse();
        // a row in any other state is left as it is
        stored(BATCH, 2);
        assertThat(ledger.insertRejected(BATCH, 2, "A2", null, null, "p2", "no")).isFalse();
        assertThat(ledger.find(BATCH, 2).orElseThrow().state()).isEqualTo(RowState.STORED);
    }

    // ---- report and progress ----

    @Test
    void linesAreCountedPerState() {
        submitted(BATCH, 1, T0);
        submitted(BATCH, 2, T0);
        stored(BATCH, 3);
        ledger.insertRejected(BATCH, 4, "A4", null, null, "p", "bad");
        ledger.insertIntent(BATCH, 5, "A5", "liangxin", "m", "p", "{}");
        ledger.insertRejected(OTHER, 1, "A1", null, null, "p", "bad");

        assertThat(ledger.report().countByState(BATCH))
                .containsExactlyInAnyOrderEntriesOf(Map.of(RowState.SUBMITTED, 2L,
                RowState.STORED, 1L, RowState.REJECTED, 1L, RowState.SUBMITTING, 1L));
        assertThat(ledger.report().countByState("unknown-000000000000")).isEmpty();
    }

    @Test
    void linesStreamInRowOrderPastTheFetchSizeInsideAndOutsideATransaction() {
        List<Long> rows = new ArrayList<>(LongStream.rangeClosed(1, 1234).boxed().toList());
        Collections.shuffle(rows, new Random(42));
        for (long row : rows) {
            ledger.insertRejected(BATCH, row, "r" + row, null, null, "prompt " + row, "reason " + row);
        }
        ledger.insertRejected(OTHER, 1, "x", null, null, "p", "other batch");

        List<Long> streamed = new ArrayList<>();
        ledger.report().forEachInRowOrder(BATCH, e -> {
            assertThat(e.prompt()).isEqualTo("prompt " + e.rowNum());
            streamed.add(e.rowNum());
        });
        assertThat(streamed).containsExactlyElementsOf(LongStream.rangeClosed(1, 1234).boxed().toList());

        // as the report step calls it: inside the step's transaction
        Set<Long> inTransaction = new TreeSet<>();
        new TransactionTemplate(transactions).executeWithoutResult(tx ->
                ledger.report().forEachInRowOrder(BATCH, e -> inTransaction.add(e.rowNum())));
        assertThat(inTransaction).hasSize(1234);

        List<Long> none = new ArrayList<>();
        ledger.report().forEachInRowOrder("unknown-000000000000", e -> none.add(e.rowNum()));
        assertThat(none).isEmpty();
    }

    // ---- helpers ----

    /** A row whose task was created, first check at {@code nextCheckAt}. */
    void submitted(String batchId, long row, long nextCheckAt) {
        ledger.insertIntent(batchId, row, "A" + row, "liangxin", "m", "p" + row, "{}");
        ledger.markSubmitted(batchId, row, "task-" + row, T0, nextCheckAt, T0 + 900_000);
    }

    /** A row whose task succeeded, download due at {@link #T0}. */
    void succeeded(String batchId, long row) {
        long now = clock.millis();
        clock.set(T0);
        submitted(batchId, row, T0);
        ledger.polls().markGenerated(batchId, row, "SUCCESS", "https://img.example/" + row + ".png");
        clock.set(now);
    }

    void stored(String batchId, long row) {
        succeeded(batchId, row);
        ledger.downloads().markStored(batchId, row, "file:out/" + row + ".png", "00".repeat(32), 10);
    }

    // ---- submit step: chunk states, create windows, journalled taskIds, provider rejections ----

    @Test
    void theStatesOfAChunksRowsAreReadTogetherAndRowsWithoutALineAreAbsent() {
        ledger.insertIntent(BATCH, 3, "A3", "liangxin", "m", "p", "{}");
        ledger.insertRejected(BATCH, 4, "A4", null, null, "p", "row 4, column prompt: empty");
        ledger.insertIntent(OTHER, 5, "A5", "liangxin", "m", "p", "{}");

        assertThat(ledger.statesOf(BATCH, List.of(3L, 4L, 5L, 9L)))
                .containsExactlyInAnyOrderEntriesOf(Map.of(3L, RowState.SUBMITTING, 4L, RowState.REJECTED));
        assertThat(ledger.statesOf(BATCH, List.of())).isEmpty();
    }

    @Test
    void anUncertainRowKeepsItsCreateWindowAndAJournalledTaskIdIsRecordedOnce() {
        ledger.insertIntent(BATCH, 1, "A1", "hiapi", "m", "p", "{}");
        clock.advance(40);
        ledger.markUncertain(BATCH, 1, "no answer", T0, T0 + 40);
        ledger.insertIntent(BATCH, 2, "A2", "hiapi", "m", "p", "{}");
        ledger.markUncertain(BATCH, 2, "found in flight", null, T0 + 90);

        assertThat(ledger.reconciliation().createWindow(BATCH, 1))
                .contains(new LedgerReconciliation.CreateWindow(T0, T0 + 40));
        assertThat(ledger.reconciliation().createWindow(BATCH, 2))
                .contains(new LedgerReconciliation.CreateWindow(T0 + 40, T0 + 90));
        assertThat(ledger.find(BATCH, 1).orElseThrow().state()).isEqualTo(RowState.UNCERTAIN);

        assertThat(ledger.reconciliation().recordJournalledTaskId(BATCH, 1, "tk-1", T0, T0 + 1, T0 + 2)).isTrue();
        assertThat(ledger.reconciliation().recordJournalledTaskId(BATCH, 1, "tk-1", T0, T0 + 1, T0 + 2)).isFalse();
        assertThat(ledger.find(BATCH, 1).orElseThrow())
                .extracting(LedgerEntry::state, LedgerEntry::taskId, LedgerEntry::nextCheckAt)
                .containsExactly(RowState.SUBMITTED, "tk-1", T0 + 1);
    }

    @Test
    void aTaskIsClaimedByAnyBatchsRowOrEarlierAttempt() {
        ledger.insertIntent(OTHER, 1, "A1", "hiapi", "m", "p", "{}");
        ledger.markSubmitted(OTHER, 1, "tk-other", T0, T0, T0);
        ledger.insertIntent(BATCH, 1, "A1", "hiapi", "m", "p", "{}");
        ledger.markSubmitted(BATCH, 1, "tk-first", T0, T0, T0);
        ledger.markFailed(BATCH, 1, "fail", "500", "generation failed");
        retries.startRetryRound(BATCH, false);

        assertThat(ledger.reconciliation().isTaskClaimed("tk-other")).isTrue();
        assertThat(ledger.reconciliation().isTaskClaimed("tk-first")).as("held by an archived attempt").isTrue();
        assertThat(ledger.reconciliation().isTaskClaimed("tk-new")).isFalse();
    }

    @Test
    void onlyRowsAProvidersAnswerRejectedAreReopenedWithTheirAttemptArchived() {
        ledger.insertIntent(BATCH, 1, "A1", "liangxin", "m", "p", "{\"prompt\":\"p\"}");
        ledger.markRejectedByProvider(BATCH, 1, "422", "row 1: the provider refused the request");
        ledger.insertRejected(BATCH, 2, "A2", "liangxin", "m", "p", "row 2, column prompt: too short");

        assertThat(retries.rejectedByProvider(BATCH)).isEqualTo(1);
        assertThat(retries.reopenRejectedByProvider(BATCH)).isEqualTo(1);

        assertThat(ledger.find(BATCH, 1).orElseThrow())
                .extracting(LedgerEntry::state, LedgerEntry::attempt).containsExactly(RowState.PENDING, 2);
        assertThat(ledger.find(BATCH, 2).orElseThrow().state()).isEqualTo(RowState.REJECTED);
        assertThat(retries.archivedAttempts(BATCH)).isEqualTo(1);
        assertThat(ledger.claimPending(BATCH, 1)).isTrue();
    }

}
