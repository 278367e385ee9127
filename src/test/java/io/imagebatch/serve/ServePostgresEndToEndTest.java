package io.imagebatch.serve;

import io.imagebatch.testsupport.EnabledIfPostgres;
import io.imagebatch.testsupport.PostgresTestDatabase;

/**
 * Every test of {@link ServeEndToEndTest} with the job repository, the ledger and the lock table on a real
 * PostgreSQL server: two {@code serve} contexts share one schema, and the lock table's inserts take PostgreSQL's
 * {@code ON CONFLICT DO NOTHING} path. Skipped unless {@code IMAGEBATCH_TEST_POSTGRES_URL} is set
 * ({@link PostgresTestDatabase}).
 */
@EnabledIfPostgres
class ServePostgresEndToEndTest extends ServeEndToEndTest {
}
