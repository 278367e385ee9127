package io.imagebatch.provider;

import io.imagebatch.catalogue.CatalogueRow;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * A provider adapter whose requests go through its key's {@link ProviderThrottle}: creates, status queries
 * and balance queries share one budget. Validation and callback parsing make no request and pass straight
 * through.
 */
public final class ThrottledProvider implements ProviderAdapter {

    private final ProviderAdapter adapter;
    private final ProviderThrottle throttle;

    /**
     * @param adapter  the provider's adapter
     * @param throttle its key's budget
     */
    public ThrottledProvider(ProviderAdapter adapter, ProviderThrottle throttle) {
        this.adapter = adapter;
        this.throttle = throttle;
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
        return throttle.call(() -> adapter.createTask(request, callbackUrl));
    }

    @Override
    public TaskStatus queryTask(String taskId) {
        return throttle.call(() -> adapter.queryTask(taskId));
    }

    @Override
    public Optional<String> callbackTaskId(String body) {
        return adapter.callbackTaskId(body);
    }

    @Override
    public boolean verifyCallback(Map<String, String> headers, String body) {
        return adapter.verifyCallback(headers, body);
    }

    @Override
    public OptionalDouble balance() {
        return throttle.call(adapter::balance);
    }

    @Override
    public OptionalDouble creditsPerTask(ImageRequest request) {
        return adapter.creditsPerTask(request);
    }

    @Override
    public Optional<String> findTask(ImageRequest request, java.util.Set<String> excludedTaskIds) {
        return throttle.call(() -> adapter.findTask(request, excludedTaskIds));
    }

    @Override
    public boolean canFindTasks() {
        return adapter.canFindTasks();
    }

    @Override
    public boolean sendsCallbacks() {
        return adapter.sendsCallbacks();
    }
}
