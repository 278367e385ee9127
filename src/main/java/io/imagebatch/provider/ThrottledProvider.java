package io.imagebatch.provider;

import io.imagebatch.catalogue.CatalogueRow;
import io.imagebatch.metrics.ImageBatchMetrics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * A provider adapter whose requests go through its key's {@link ProviderThrottle}: creates, status queries
 * and balance queries share one budget. Validation and callback parsing make no request and pass straight
 * through.
 *
 * <p>Every request is counted ({@value ImageBatchMetrics#PROVIDER_REQUESTS} by call and outcome,
 * {@value ImageBatchMetrics#RATE_LIMITED} for 429s), and a reported balance is kept as the gauge
 * {@value ImageBatchMetrics#PROVIDER_CREDITS}.
 */
public final class ThrottledProvider implements ProviderAdapter {

    private final ProviderAdapter adapter;
    private final ProviderThrottle throttle;
    private final MeterRegistry meters;
    private final Counter rateLimited;
    /** The last reported balance, as {@link Double} bits; the gauge holds it strongly through this field. */
    private final AtomicLong credits = new AtomicLong(Double.doubleToLongBits(Double.NaN));
    private volatile boolean creditsGauge;

    /**
     * Without metrics (they go to a private registry).
     *
     * @param adapter  the provider's adapter
     * @param throttle its key's budget
     */
    public ThrottledProvider(ProviderAdapter adapter, ProviderThrottle throttle) {
        this(adapter, throttle, new SimpleMeterRegistry());
    }

    /**
     * @param adapter  the provider's adapter
     * @param throttle its key's budget
     * @param meters   where its requests are counted
     */
    public ThrottledProvider(ProviderAdapter adapter, ProviderThrottle throttle, MeterRegistry meters) {
        this.adapter = adapter;
        this.throttle = throttle;
        this.meters = meters;
        this.rateLimited = Counter.builder(ImageBatchMetrics.RATE_LIMITED)
                .description("429 answers from the provider").tag(ImageBatchMetrics.PROVIDER, adapter.name())
                .register(meters);
    }

    /** @return the throttle, for its rate and 429 count */
    public ProviderThrottle throttle() {
        return throttle;
    }

    @Override
    public String name() {
        return adapter.name();
    }

    @Override
    public String defaultModel() {
        return adapter.defaultModel();
    }

    @Override
    public List<String> models() {
        return adapter.models();
    }

    @Override
    public ImageRequest prepare(CatalogueRow row, String model, RequestDefaults defaults)
            throws RowRejectedException {
        return adapter.prepare(row, model, defaults);
    }

    @Override
    public String createTask(ImageRequest request, String callbackUrl) {
        return counted("create", () -> adapter.createTask(request, callbackUrl));
    }

    /**
     * {@inheritDoc}
     *
     * <p>{@code mayCreate} is asked inside the throttle, after the waits for a place in flight, for the end of a
     * 429 pause and for a permit of the rate, when the HTTP client is about to write the body
     * ({@link SendGate}): a request refused there is not counted.
     */
    @Override
    public Optional<String> createTaskIf(ImageRequest request, String callbackUrl,
            java.util.function.BooleanSupplier mayCreate) {
        try {
            Optional<String> taskId = throttle.call(
                    () -> SendGate.onlyIf(mayCreate, () -> adapter.createTask(request, callbackUrl)));
            if (taskId.isPresent()) {
                count("create", "success");
            }
            return taskId;
        } catch (ProviderException e) {
            failed("create", e);
            throw e;
        }
    }

    @Override
    public TaskStatus queryTask(String taskId) {
        return counted("status", () -> adapter.queryTask(taskId));
    }

    @Override
    public Optional<String> callbackTaskId(String body) {
        return adapter.callbackTaskId(body);
    }

    @Override
    public boolean verifyCallback(Map<String, String> headers, String body) {
        return adapter.verifyCallback(headers, body);
    }

    /** Reads the payload as the adapter does: no request is made, so the throttle is not asked. */
    @Override
    public Optional<TaskStatus> callbackStatus(String body) {
        return adapter.callbackStatus(body);
    }

    @Override
    public OptionalDouble balance() {
        OptionalDouble balance = counted("balance", adapter::balance);
        if (balance.isPresent()) {
            credits.set(Double.doubleToLongBits(balance.getAsDouble()));
            if (!creditsGauge) {
                // registered on the first balance, so providers that report none show no gauge
                creditsGauge = true;
                Gauge.builder(ImageBatchMetrics.PROVIDER_CREDITS, credits, c -> Double.longBitsToDouble(c.get()))
                        .description("the balance the provider last reported, in its credits")
                        .tag(ImageBatchMetrics.PROVIDER, adapter.name()).strongReference(true).register(meters);
            }
        }
        return balance;
    }

    @Override
    public OptionalDouble creditsPerTask(ImageRequest request) {
        return adapter.creditsPerTask(request);
    }

    @Override
    public Optional<String> findTask(ImageRequest request, java.util.Set<String> excludedTaskIds) {
        return counted("find", () -> adapter.findTask(request, excludedTaskIds));
    }

    @Override
    public Optional<String> findTask(ImageRequest request, java.time.Instant createdFrom, java.time.Instant createdTo,
            java.util.function.Predicate<String> claimed) {
        return counted("find", () -> adapter.findTask(request, createdFrom, createdTo, claimed));
    }

    @Override
    public boolean canFindTasks() {
        return adapter.canFindTasks();
    }

    @Override
    public boolean sendsCallbacks() {
        return adapter.sendsCallbacks();
    }

    /** Makes one request within the throttle and counts how it ended. */
    private <T> T counted(String call, Supplier<T> request) {
        try {
            T result = throttle.call(request);
            count(call, result instanceof TaskStatus status && status.state() == TaskState.FAIL
                    ? "generation_failed" : "success");
            return result;
        } catch (ProviderException e) {
            failed(call, e);
            throw e;
        }
    }

    private void failed(String call, ProviderException e) {
        count(call, e.failureClass().name().toLowerCase(Locale.ROOT));
        if (e.httpStatus() == 429) {
            rateLimited.increment();
        }
    }

    private void count(String call, String outcome) {
        Counter.builder(ImageBatchMetrics.PROVIDER_REQUESTS).description("requests made to the provider")
                .tag(ImageBatchMetrics.PROVIDER, adapter.name()).tag(ImageBatchMetrics.CALL, call)
                .tag(ImageBatchMetrics.OUTCOME, outcome).register(meters).increment();
    }
}
