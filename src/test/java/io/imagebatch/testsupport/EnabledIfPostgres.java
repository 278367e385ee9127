package io.imagebatch.testsupport;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A test class that runs against the PostgreSQL test server ({@link PostgresTestDatabase}): skipped, with a
 * message that says why, when {@value PostgresTestDatabase#URL} is not set. Each test gets a fresh schema of its
 * own, dropped afterwards; {@link CliRun} uses it, and a test or {@code @BeforeEach} method can take it as a
 * {@link PostgresTestDatabase.Schema} parameter. Tagged {@code postgres}, so {@code -Dgroups=postgres} runs
 * only these.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Tag("postgres")
@ExtendWith(PostgresSchemaExtension.class)
public @interface EnabledIfPostgres {
}
