package io.imagebatch.app;

import io.imagebatch.job.Fallback;
import io.imagebatch.provider.ProviderAdapter;
import io.imagebatch.provider.ProviderRegistry;
import java.util.HashSet;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * Checks a job file's {@code fallback:} list against the providers this process knows, before anything is sent
 * (README, "A fallback provider" and "Bad input"): every entry names a supported provider, a model that provider
 * has ({@link ProviderAdapter#models()}), a provider that is configured (its key set), and no entry repeats another
 * or the batch's own provider and model once default models are filled in. {@code run} and {@code validate} refuse
 * such a file (exit 2); {@code serve} lists it as not scheduled. The list's shape is checked when the file is read
 * ({@link Fallback#parseList}).
 */
public final class FallbackCheck {

    private FallbackCheck() {
    }

    /**
     * @param job       the job file, or null (nothing to check)
     * @param provider  the batch's own provider, lower case (the command line's {@code --provider} over the file's)
     * @param model     the batch's own model, or null for the provider's default
     * @param providers the adapters and their settings
     * @throws UsageException naming the file, the line of {@code fallback}, the entry (1-based) and the rule broken
     */
    public static void check(JobFile job, String provider, String model, ProviderRegistry providers) {
        if (job == null || job.fallbacks().isEmpty()) {
            return;
        }
        Set<String> seen = new HashSet<>();
        providers.find(provider).ifPresent(own -> seen.add(key(own.name(), model != null ? model
                : own.defaultModel())));
        int n = 0;
        for (Fallback f : job.fallbacks()) {
            n++;
            String entry = job.fallbackPlace() + ": fallback entry " + n + " (" + f.label() + ")";
            Optional<ProviderAdapter> adapter = providers.find(f.provider());
            if (adapter.isEmpty()) {
                throw new UsageException(entry + ": \"" + f.provider() + "\" is not a supported provider (supported: "
                        + String.join(", ", providers.names()) + ")");
            }
            String resolved = f.model() != null ? f.model() : adapter.get().defaultModel();
            if (adapter.get().models().stream().noneMatch(m -> m.equalsIgnoreCase(resolved))) {
                throw new UsageException(entry + ": \"" + resolved + "\" is not a model of " + f.provider()
                        + " (models: " + String.join(", ", adapter.get().models()) + ")");
            }
            if (!providers.isConfigured(adapter.get().name())) {
                String env = "IMAGEBATCH_PROVIDERS_" + adapter.get().name().toUpperCase(Locale.ROOT);
                throw new UsageException(entry + ": provider " + f.provider() + " is not configured, so rows could"
                        + " not move to it: set " + env + "_APIKEY (and " + env + "_BASEURL where it has no"
                        + " documented default)");
            }
            if (!seen.add(key(adapter.get().name(), resolved))) {
                throw new UsageException(entry + " is a duplicate: it repeats an earlier entry or the batch's own"
                        + " provider and model");
            }
        }
    }

    private static String key(String provider, String model) {
        return provider.toLowerCase(Locale.ROOT) + " " + model.toLowerCase(Locale.ROOT);
    }
}
