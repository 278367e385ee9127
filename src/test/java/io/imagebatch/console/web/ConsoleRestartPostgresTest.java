package io.imagebatch.console.web;

import io.imagebatch.testsupport.EnabledIfPostgres;

/**
 * {@link ConsoleRestartTest} with the job repository, the ledger and {@code IB_CONSOLE_BATCH} on a real PostgreSQL
 * server. Skipped unless {@code IMAGEBATCH_TEST_POSTGRES_URL} is set.
 */
@EnabledIfPostgres
class ConsoleRestartPostgresTest extends ConsoleRestartTest {
}
