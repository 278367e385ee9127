package io.imagebatch.provider;

import io.imagebatch.catalogue.CatalogueRow;

/**
 * One provider protocol (../shared/DESIGN.md, Providers): its input rules, its create call and its status
 * query. Implementations are thread-safe; the job calls them from several threads at once.
 */
public interface ProviderAdapter {

    /** @return the provider's name in settings and catalogues, for example {@code liangxin} */
    String name();

    /** @return the model used when neither the row nor the batch names one */
    String defaultModel();

    /**
     * Validates a row against the provider's documented rules for the model and maps it to a request.
     *
     * @param row      the catalogue row; its {@code problem} is already known to be null
     * @param model    the model to use (the row's, else the batch's, else {@link #defaultModel()})
     * @param defaults batch defaults for blank fields
     * @return the request to send
     * @throws RowRejectedException when the row breaks a rule; the message names row, column and rule
     */
    ImageRequest prepare(CatalogueRow row, String model, RequestDefaults defaults) throws RowRejectedException;

    /**
     * Creates one task. Not idempotent at any provider: a second call is a second paid task.
     *
     * @param request     a request made by {@link #prepare}
     * @param callbackUrl where the provider should POST the terminal state, or null for none
     * @return the provider's taskId
     * @throws ProviderException when no taskId came back; its class and {@code mayHaveReachedProvider} say
     *                           whether the row may be sent again
     */
    String createTask(ImageRequest request, String callbackUrl);

    /**
     * Queries a task's state. Safe to repeat.
     *
     * @param taskId the provider's taskId
     * @return the task's state and, on success, its result URLs
     * @throws ProviderException when no state came back
     */
    TaskStatus queryTask(String taskId);
}
