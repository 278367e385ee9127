package io.imagebatch.cli;

import io.imagebatch.testsupport.EnabledIfPostgres;
import io.imagebatch.testsupport.PostgresTestDatabase;

/**
 * Every test of {@link BatchCommandsTest} with the job repository and the ledger on a real PostgreSQL server,
 * each test in a fresh schema: {@code stop} and {@code status} start while a batch runs in the same database,
 * which is where PostgreSQL's locking differs from H2's (db/ledger-schema.sql). Skipped unless
 * {@code IMAGEBATCH_TEST_POSTGRES_URL} is set ({@link PostgresTestDatabase}).
 */
@EnabledIfPostgres
class BatchCommandsPostgresTest extends BatchCommandsTest {
}
