package io.imagebatch.provider;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.imagebatch.catalogue.CatalogueRow;
import io.imagebatch.metrics.ImageBatchMetrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/** What {@link ThrottledProvider} counts: every request by call and outcome, 429s, and a reported balance. */
class ThrottledProviderMetricsTest {

    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final Deque<Supplier<Object>> answers = new ArrayDeque<>();
    private final ThrottledProvider provider = new ThrottledProvider(new ScriptedAdapter(),
            new ProviderThrottle("scripted", null, 4), meters);

    @Test
    void countsEachRequestByCallAndOutcome() {
        answers.add(() -> "task-1");
        answers.add(() -> new TaskStatus("task-1", TaskState.RUNNING, "running", List.of(), null, null));
        answers.add(() -> new TaskStatus("task-1", TaskState.FAIL, "fail", List.of(), "E1", "no"));
        answers.add(() -> {
            throw new ProviderException(FailureClass.ROW_INVALID, 422, null, "scripted: refused", null, false, null);
        });
        answers.add(() -> {
            throw new ProviderException(FailureClass.ACCOUNT, 401, null, "scripted: key", null, false, null);
        });

        provider.createTask(null, null);
        provider.queryTask("task-1");
        provider.queryTask("task-1");
        assertThatThrownBy(() -> provider.createTask(null, null)).isInstanceOf(ProviderException.class);
        assertThatThrownBy(() -> provider.queryTask("task-1")).isInstanceOf(ProviderException.class);

        assertThat(requests("create", "success")).isEqualTo(1);
        assertThat(requests("status", "success")).isEqualTo(1);
        assertThat(requests("status", "generation_failed")).isEqualTo(1);
        assertThat(requests("create", "row_invalid")).isEqualTo(1);
        assertThat(requests("status", "account")).isEqualTo(1);
        assertThat(meters.get(ImageBatchMetrics.RATE_LIMITED).counter().count()).isZero();
    }

    @Test
    void a429IsBusyAndRateLimited() {
        answers.add(() -> {
            throw new ProviderException(FailureClass.BUSY, 429, null, "scripted: slow down", Duration.ofMillis(1),
                    false, null);
        });
        assertThatThrownBy(() -> provider.createTask(null, null)).isInstanceOf(ProviderException.class);
        assertThat(requests("create", "busy")).isEqualTo(1);
        assertThat(meters.get(ImageBatchMetrics.RATE_LIMITED).tag(ImageBatchMetrics.PROVIDER, "scripted").counter()
                .count()).isEqualTo(1);
    }

    @Test
    void theLastReportedBalanceIsAGaugeThatAppearsWithTheFirstBalance() {
        assertThat(meters.find(ImageBatchMetrics.PROVIDER_CREDITS).gauge()).isNull();
        answers.add(() -> OptionalDouble.of(120.5));
        answers.add(() -> OptionalDouble.of(99));
        provider.balance();
        assertThat(meters.get(ImageBatchMetrics.PROVIDER_CREDITS).tag(ImageBatchMetrics.PROVIDER, "scripted")
                .gauge().value()).isEqualTo(120.5);
        provider.balance();
        assertThat(meters.get(ImageBatchMetrics.PROVIDER_CREDITS).gauge().value()).isEqualTo(99);
        assertThat(requests("balance", "success")).isEqualTo(2);
    }

    private double requests(String call, String outcome) {
        return meters.get(ImageBatchMetrics.PROVIDER_REQUESTS).tag(ImageBatchMetrics.PROVIDER, "scripted")
                .tag(ImageBatchMetrics.CALL, call).tag(ImageBatchMetrics.OUTCOME, outcome).counter().count();
    }

    /** An adapter whose requests answer, in turn, what the test scripted. */
    private final class ScriptedAdapter implements ProviderAdapter {

        @SuppressWarnings("unchecked")
        private <T> T next() {
            return (T) answers.removeFirst().get();
        }

        @Override
        public String name() {
            return "scripted";
        }

        @Override
        public String defaultModel() {
            return "m";
        }

        @Override
        public List<String> models() {
            return List.of("m");
        }

        @Override
        public ImageRequest prepare(CatalogueRow row, String model, RequestDefaults defaults) {
            throw new UnsupportedOperationException();
        }

        @Override
        public String createTask(ImageRequest request, String callbackUrl) {
            return next();
        }

        @Override
        public TaskStatus queryTask(String taskId) {
            return next();
        }

        @Override
        public Optional<String> callbackTaskId(String body) {
            return Optional.empty();
        }

        @Override
        public OptionalDouble balance() {
            return next();
        }
    }
}
