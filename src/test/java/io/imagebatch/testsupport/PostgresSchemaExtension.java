package io.imagebatch.testsupport;

import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * {@link EnabledIfPostgres}: the condition, and a fresh schema around each test. The schema is created before
 * the test class's own {@code @BeforeEach} methods run and dropped after its {@code @AfterEach} methods.
 */
final class PostgresSchemaExtension implements ExecutionCondition, BeforeEachCallback, AfterEachCallback,
        ParameterResolver {

    private static final ExtensionContext.Namespace NAMESPACE =
            ExtensionContext.Namespace.create(PostgresSchemaExtension.class);

    /** Whether the skip was announced: once per test run is enough. */
    private static final AtomicBoolean ANNOUNCED = new AtomicBoolean();

    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        if (PostgresTestDatabase.configured()) {
            return ConditionEvaluationResult.enabled("PostgreSQL test server: " + PostgresTestDatabase.url().get());
        }
        // the reason is in the test reports; say it where a person reads the build's output too
        if (ANNOUNCED.compareAndSet(false, true)) {
            System.out.println("NOTE: " + PostgresTestDatabase.NOT_CONFIGURED);
        }
        return ConditionEvaluationResult.disabled(PostgresTestDatabase.NOT_CONFIGURED);
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        schema(context);
    }

    @Override
    public void afterEach(ExtensionContext context) {
        PostgresTestDatabase.Schema schema = context.getStore(NAMESPACE).remove("schema",
                PostgresTestDatabase.Schema.class);
        if (schema != null) {
            PostgresTestDatabase.release();
            schema.drop();
        }
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == PostgresTestDatabase.Schema.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        return schema(context);
    }

    /** The test's schema, made on first use (a test method's parameters are resolved before beforeEach). */
    private static PostgresTestDatabase.Schema schema(ExtensionContext context) {
        if (context.getTestMethod().isEmpty()) {
            throw new IllegalStateException("a PostgreSQL schema is made per test method, not per class");
        }
        return context.getStore(NAMESPACE).computeIfAbsent("schema", key -> {
            PostgresTestDatabase.Schema schema = PostgresTestDatabase.newSchema();
            PostgresTestDatabase.use(schema);
            return schema;
        }, PostgresTestDatabase.Schema.class);
    }
}
