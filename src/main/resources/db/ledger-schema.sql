-- The ImageBatch ledger: the source of truth for every catalogue row (docs/design.md, The ledger).
-- Portable SQL (H2 2.x and PostgreSQL); times are epoch milliseconds (BIGINT) to stay clear of time zones.
--
-- Runs at every start (spring.sql.init.mode=always), also while another process runs a batch on the same
-- database, so every statement must be a quick no-op when its object exists: CREATE TABLE IF NOT EXISTS (no
-- lock on an existing table) and CREATE INDEX IF NOT EXISTS (on PostgreSQL a SHARE lock, which waits only for
-- ledger writes in progress, each a short transaction of its own) only. Never ALTER TABLE here: on PostgreSQL
-- even ALTER TABLE ... ADD COLUMN IF NOT EXISTS first takes an ACCESS EXCLUSIVE lock, which waits for every open
-- transaction that read the table, and so hangs against a running batch. A column added later goes into its
-- CREATE TABLE below and into io.imagebatch.ledger.LedgerSchemaUpgrade, which adds it to older ledgers only when
-- it is missing.

-- One line per batch: the settings it was started with (never a secret).
-- CALLBACK_TOKEN (callbacks): a random per-batch token (256 bits, hex) in the callback URL; kept so that tasks
-- created before a restart can still call back. RETRIES (retry-failed): the number of retry rounds of the batch
-- (each is a job instance).
-- LOCK_GENERATION: the fencing token of the batch's lock, one more at every acquisition; the ledger refuses the
-- writes of a process that holds an older one (io.imagebatch.ledger.BatchRegistry#takeFence). LOCK_HOLDER and
-- LOCK_SINCE: who took it last ("pid 1234 on host") and when (epoch ms), for the message of a second run.
-- ESTIMATED_SPEND, ESTIMATED_CURRENCY, ESTIMATE_COMPLETE: the batch's spend estimate at its last preflight
-- (README.md, Spend); ESTIMATE_COMPLETE is false when some valid rows had no price. BALANCE_BEFORE/AFTER: the
-- provider's balance (crun.ai, credits) before the batch's first create and at its end: the observed spend.
-- BUDGET (the batch budget, docs/design.md, Spend): the budget in force, in imagebatch.spend.currency, or NULL for
-- none; not part of the batch identity. COMMITTED_SPEND: what the batch's creates have reserved (one row's price
-- at its intent, given back when the create certainly did not happen); never more than BUDGET. REFUNDED_SPEND:
-- what was given back for generations the provider reported failed and does not charge (charges-failed=false).
-- PROOF_ROWS, PROOF_STATE (the proof run, docs/design.md, Spend): the row numbers a proof run sends, ascending and
-- comma-separated, and AWAITING_APPROVAL, APPROVED or REJECTED; both NULL for a batch run without --proof.
CREATE TABLE IF NOT EXISTS IB_BATCH (
    BATCH_ID        VARCHAR(160) NOT NULL PRIMARY KEY,
    SETTINGS        VARCHAR      NOT NULL,
    CREATED_AT      BIGINT       NOT NULL,
    CALLBACK_TOKEN  VARCHAR(64),
    RETRIES         INT          DEFAULT 0 NOT NULL,
    LOCK_GENERATION BIGINT       DEFAULT 0 NOT NULL,
    LOCK_HOLDER     VARCHAR(200),
    LOCK_SINCE      BIGINT,
    ESTIMATED_SPEND    DECIMAL(18,6),
    ESTIMATED_CURRENCY VARCHAR(16),
    ESTIMATE_COMPLETE  BOOLEAN,
    BALANCE_BEFORE     DECIMAL(18,6),
    BALANCE_AFTER      DECIMAL(18,6),
    BUDGET          DECIMAL(18,6),
    COMMITTED_SPEND DECIMAL(18,6) DEFAULT 0 NOT NULL,
    REFUNDED_SPEND  DECIMAL(18,6) DEFAULT 0 NOT NULL,
    PROOF_ROWS      VARCHAR,
    PROOF_STATE     VARCHAR(20)
);

-- One line per catalogue row of a batch. Keyed by row number, which is stable for a catalogue of a given
-- content hash; the row id is unique among a batch's accepted rows (a repeated id is itself a REJECTED line).
-- URL_REFRESHES (expired results): how often a fresh result URL was asked for after downloads failed.
-- FAILURE_KIND: for a FAILED row, GENERATION_FAILED or RESULT_NOT_STORED (io.imagebatch.ledger.FailureKind),
-- recorded when it fails: retry-failed creates only the first kind again and fetches the second again.
-- CREATE_WINDOW_START/END: for an UNCERTAIN row, the time (epoch ms) from its intent to the end of its lost create
-- call; reconciliation adopts only a task the provider created inside it (README, "Exactly once").
-- COST: the price this row's current attempt reserved from the batch budget (IB_BATCH.COMMITTED_SPEND), NULL
-- when it holds no reservation (no price configured, held, given back or refunded).
-- PROMPT_OVERRIDE (redo): the prompt a redo gave the row; the submit step sends it instead of the prompt the
-- template builds from the catalogue row (io.imagebatch.job.RowProcessor). NULL for a row never redone.
-- VARIANT (README.md, Variants): which of the row's variants (1 to 8) the line is; a ledger entry is
-- (BATCH_ID, ROW_NUM, VARIANT), each created, polled, stored and retried on its own; 1 for a row without variants.
-- CHOSEN: the variant `choose` copied to the row's own name (at most one line of a row).
-- A ledger made before VARIANT had the key (BATCH_ID, ROW_NUM); LedgerSchemaUpgrade widens it.
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
    URL_REFRESHES     INT          DEFAULT 0 NOT NULL,
    FAILURE_KIND      VARCHAR(30),
    CREATE_WINDOW_START BIGINT,
    CREATE_WINDOW_END   BIGINT,
    COST              DECIMAL(18,6),
    PROMPT_OVERRIDE   VARCHAR,
    VARIANT           INT          DEFAULT 1 NOT NULL,
    CHOSEN            BOOLEAN      DEFAULT FALSE NOT NULL,
    PRIMARY KEY (BATCH_ID, ROW_NUM, VARIANT)
);

CREATE INDEX IF NOT EXISTS IB_TASK_LEDGER_DUE ON IB_TASK_LEDGER (BATCH_ID, STATE, NEXT_CHECK_AT);
CREATE INDEX IF NOT EXISTS IB_TASK_LEDGER_ROW_ID ON IB_TASK_LEDGER (BATCH_ID, ROW_ID);

-- The console's pages of rows filtered by state, in row order (LedgerReport#rowPage).
CREATE INDEX IF NOT EXISTS IB_TASK_LEDGER_STATE_ROW ON IB_TASK_LEDGER (BATCH_ID, STATE, ROW_NUM);

-- Callbacks (a task by its batch and taskId) and reconciliation (is a listed task already any batch's?
-- TaskLedger.isTaskClaimed): one index on the taskId serves both, a taskId being one task. An index on
-- (BATCH_ID, TASK_ID) of older versions is dropped by LedgerSchemaUpgrade: every taskId written rewrote a leaf of
-- both at a random place, at each commit (README.md, "A million rows").
CREATE INDEX IF NOT EXISTS IB_TASK_LEDGER_TASK_ID ON IB_TASK_LEDGER (TASK_ID);

-- retry-failed and redo: every earlier attempt of a row, so that the ledger keeps them all. PROMPT: the prompt
-- the attempt sent; OUTPUT_URI: its image, copied to the row's history by a redo (NULL when it stored none).
-- VARIANT: the variant of the row the attempt was (1 for a row without variants).
CREATE TABLE IF NOT EXISTS IB_TASK_ATTEMPT (
    BATCH_ID      VARCHAR(160) NOT NULL,
    ROW_NUM       BIGINT       NOT NULL,
    ATTEMPT       INT          NOT NULL,
    STATE         VARCHAR(20)  NOT NULL,
    TASK_ID       VARCHAR(300),
    ERROR_CODE    VARCHAR(120),
    ERROR         VARCHAR,
    SUBMITTED_AT  BIGINT,
    ENDED_AT      BIGINT       NOT NULL,
    PROMPT        VARCHAR,
    OUTPUT_URI    VARCHAR,
    VARIANT       INT          DEFAULT 1 NOT NULL,
    PRIMARY KEY (BATCH_ID, ROW_NUM, VARIANT, ATTEMPT)
);

-- The daily budget per provider key (imagebatch.providers.<name>.daily-budget, io.imagebatch.spend.DailyBudgets):
-- what every batch and process on this database committed to one provider key on one UTC day of the database's
-- clock, in imagebatch.spend.currency. KEY_FINGERPRINT: the first 16 hex characters of the SHA-256 of the API key
-- (never the key). A reservation adds to COMMITTED only while it stays within the budget.
CREATE TABLE IF NOT EXISTS IB_SPEND_DAY (
    PROVIDER        VARCHAR(40)    NOT NULL,
    KEY_FINGERPRINT VARCHAR(16)    NOT NULL,
    SPEND_DAY       DATE           NOT NULL,
    COMMITTED       DECIMAL(18, 6) DEFAULT 0 NOT NULL,
    PRIMARY KEY (PROVIDER, KEY_FINGERPRINT, SPEND_DAY)
);

-- Fallback moves (README, "A fallback provider"; io.imagebatch.ledger.LedgerFallbacks): one line per move of a
-- batch's rows to the next provider of its fallback: list. ROW_NUM 0 is the whole batch switching its current
-- provider (an account refused: every later row is sent there, also after a resume); another ROW_NUM is one row
-- moved alone (its provider stayed busy past every retry). POSITION: 1 for the first fallback entry, ...;
-- REASON_KIND: account, busy or budget; REASON: the provider's answer (never a key).
CREATE TABLE IF NOT EXISTS IB_FALLBACK_MOVE (
    BATCH_ID    VARCHAR(160) NOT NULL,
    ROW_NUM     BIGINT       NOT NULL,
    POSITION    INT          NOT NULL,
    PROVIDER    VARCHAR(40)  NOT NULL,
    MODEL       VARCHAR(120),
    REASON_KIND VARCHAR(20)  NOT NULL,
    REASON      VARCHAR,
    MOVED_AT    BIGINT       NOT NULL,
    PRIMARY KEY (BATCH_ID, ROW_NUM, POSITION)
);

-- The learned request rate per provider key (io.imagebatch.provider.LearnedRates, README.md, Performance): the
-- rate, in requests a second, that the key last sustained against the provider's limit; a run without a configured
-- requests-per-second starts at it. KEY_FINGERPRINT as in IB_SPEND_DAY (never the key). LEARNED_AT: epoch ms.
CREATE TABLE IF NOT EXISTS IB_PROVIDER_RATE (
    PROVIDER            VARCHAR(40)      NOT NULL,
    KEY_FINGERPRINT     VARCHAR(16)      NOT NULL,
    REQUESTS_PER_SECOND DOUBLE PRECISION NOT NULL,
    LEARNED_AT          BIGINT           NOT NULL,
    PRIMARY KEY (PROVIDER, KEY_FINGERPRINT)
);

-- The shared request budget per provider key (io.imagebatch.provider.RateBuckets, README.md, "Finding a provider's
-- rate limit"): one token bucket per key that every process on this database leases its requests from, so that
-- together they stay within the key's rate. TOKENS: requests that may be sent now (at most 200 ms of the rate);
-- REFILLED_AT: epoch microseconds of the DATABASE's clock when TOKENS was last refilled (later than now while every
-- process is held by a 429's Retry-After); RATE: the key's current rate, requests a second, as the processes' rate
-- control (AIMD) set it. KEY_FINGERPRINT as in IB_SPEND_DAY (never the key).
CREATE TABLE IF NOT EXISTS IB_RATE_BUCKET (
    PROVIDER        VARCHAR(40)      NOT NULL,
    KEY_FINGERPRINT VARCHAR(16)      NOT NULL,
    TOKENS          DOUBLE PRECISION NOT NULL,
    REFILLED_AT     BIGINT           NOT NULL,
    RATE            DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (PROVIDER, KEY_FINGERPRINT)
);
