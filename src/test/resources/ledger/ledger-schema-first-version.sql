-- The first version of db/ledger-schema.sql (before issues 3 and 4), to test LedgerSchemaUpgrade on.
-- The ImageBatch ledger: the source of truth for every catalogue row (docs/design.md, The ledger).
-- Portable SQL (H2 2.x and PostgreSQL); times are epoch milliseconds (BIGINT) to stay clear of time zones.

-- One line per batch: the settings it was started with (never a secret).
CREATE TABLE IF NOT EXISTS IB_BATCH (
    BATCH_ID    VARCHAR(160) NOT NULL PRIMARY KEY,
    SETTINGS    VARCHAR      NOT NULL,
    CREATED_AT  BIGINT       NOT NULL
);

-- One line per catalogue row of a batch. Keyed by row number, which is stable for a catalogue of a given
-- content hash; the row id is unique among a batch's accepted rows (a repeated id is itself a REJECTED line).
CREATE TABLE IF NOT EXISTS IB_TASK_LEDGER (
    BATCH_ID          VARCHAR(160) NOT NULL,
    ROW_NUM           BIGINT       NOT NULL,
    ROW_ID            VARCHAR(500) NOT NULL,
    STATE             VARCHAR(20)  NOT NULL,
    ATTEMPT           INT          DEFAULT 1 NOT NULL,
    PROVIDER          VARCHAR(40),
    MODEL             VARCHAR(120),
    PROMPT            VARCHAR,
    REQUEST           VARCHAR,
    TASK_ID           VARCHAR(300),
    PROVIDER_STATE    VARCHAR(60),
    RESULT_URL        VARCHAR,
    OUTPUT_URI        VARCHAR,
    SHA256            VARCHAR(64),
    BYTES             BIGINT,
    ERROR_CODE        VARCHAR(120),
    ERROR             VARCHAR,
    POLLS             INT          DEFAULT 0 NOT NULL,
    DOWNLOAD_ATTEMPTS INT          DEFAULT 0 NOT NULL,
    SUBMITTED_AT      BIGINT,
    NEXT_CHECK_AT     BIGINT,
    DEADLINE_AT       BIGINT,
    UPDATED_AT        BIGINT       NOT NULL,
    PRIMARY KEY (BATCH_ID, ROW_NUM)
);

CREATE INDEX IF NOT EXISTS IB_TASK_LEDGER_DUE ON IB_TASK_LEDGER (BATCH_ID, STATE, NEXT_CHECK_AT);
CREATE INDEX IF NOT EXISTS IB_TASK_LEDGER_ROW_ID ON IB_TASK_LEDGER (BATCH_ID, ROW_ID);
