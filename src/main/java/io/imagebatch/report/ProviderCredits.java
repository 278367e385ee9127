package io.imagebatch.report;

import io.imagebatch.provider.ProviderAdapter;
import io.imagebatch.provider.ProviderRegistry;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Asks a batch's provider how many credits are left ({@link ProviderAdapter#balance()}, crun.ai's balance
 * endpoint), for the manifest. Best effort: a provider without such an endpoint, one that is not configured,
 * fails, or does not answer within the wait gives null, and the batch is not affected.
 */
public class ProviderCredits {

    private static final Logger log = LoggerFactory.getLogger(ProviderCredits.class);

    private final ProviderRegistry providers;
    private final Duration wait;

    /**
     * @param providers the provider adapters
     * @param wait      longest wait for an answer (the call goes on in the background after that, bounded by the
     *                  provider's own request timeout)
     */
    public ProviderCredits(ProviderRegistry providers, Duration wait) {
        this.providers = providers;
        this.wait = wait;
    }

    /**
     * @param provider a provider name, or null
     * @return the credits left in the provider's unit, or null when the provider does not report them or could
     *         not be asked; never throws
     */
    public Double left(String provider) {
        Optional<ProviderAdapter> adapter = providers.find(provider);
        if (adapter.isEmpty() || !providers.isConfigured(adapter.get().name())) {
            return null;
        }
        // on another thread, so that a provider that hangs cannot hold the report or the job's end
        CompletableFuture<OptionalDouble> balance = CompletableFuture.supplyAsync(adapter.get()::balance);
        try {
            OptionalDouble credits = balance.get(wait.toMillis(), TimeUnit.MILLISECONDS);
            return credits.isPresent() ? credits.getAsDouble() : null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
            log.warn("Could not read the credits left at {}: {}", provider, cause.toString());
            return null;
        }
    }
}
