-- serve (io.imagebatch.serve): the last batch each job file started, so that a new batch of a job (its catalogue
-- changed) is started only after the previous one, if it failed, was resumed. Portable SQL (H2 2.x and
-- PostgreSQL); times are epoch milliseconds.
CREATE TABLE IF NOT EXISTS IB_JOB_LAST_BATCH (
    JOB_NAME    VARCHAR(200) NOT NULL PRIMARY KEY,
    BATCH_ID    VARCHAR(160) NOT NULL,
    UPDATED_AT  BIGINT       NOT NULL
);

-- The console (io.imagebatch.console, docs/console.md): who made each batch created from an upload, and for which
-- team. UPLOAD_NAME: the file name the browser sent (shown only; never a path). START_REQUESTED: a user started it,
-- so a serve that restarts resumes it until it completes. BUDGET and PROOF: the start's budget as typed and proof
-- rows, kept for that first start. Times are epoch milliseconds.
CREATE TABLE IF NOT EXISTS IB_CONSOLE_BATCH (
    BATCH_ID        VARCHAR(160) NOT NULL PRIMARY KEY,
    TEAM            VARCHAR(200),
    CREATED_BY      VARCHAR(200),
    CREATED_AT      BIGINT       NOT NULL,
    UPLOAD_NAME     VARCHAR(500),
    START_REQUESTED BOOLEAN      DEFAULT FALSE NOT NULL,
    BUDGET          VARCHAR(100),
    PROOF           INT
);
