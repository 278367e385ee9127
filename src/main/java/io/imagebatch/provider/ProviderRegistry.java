package io.imagebatch.provider;

import io.imagebatch.metrics.ImageBatchMetrics;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.stereotype.Component;

/**
 * The provider adapters by name, made by the {@link ProviderAdapterFactory} beans from {@link ProvidersProperties}.
 */
@Component
public class ProviderRegistry {

    private final Map<String, ProviderAdapter> adapters = new LinkedHashMap<>();
    private final Map<String, ProviderSettings> settings = new LinkedHashMap<>();
    private final LearnedRates learnedRates;
    private final RateBuckets rateBuckets;

    /**
     * A registry with the default {@code imagebatch.http.*} settings.
     *
     * @param properties {@code imagebatch.providers.*}
     * @param meters     where provider requests are counted ({@link ThrottledProvider})
     * @param factories  one per supported provider, in the order of {@link #names()}
     */
    public ProviderRegistry(ProvidersProperties properties, ObjectProvider<MeterRegistry> meters,
            List<ProviderAdapterFactory> factories) {
        this(properties, meters, new HttpProperties(null), factories);
    }

    /**
     * @param properties {@code imagebatch.providers.*}
     * @param meters     where provider requests are counted ({@link ThrottledProvider})
     * @param http       {@code imagebatch.http.*}: the answer size limit of every adapter; every provider's key
     *                   and callback secret are masked in every adapter's answers ({@link ProviderHttp#mask})
     * @param factories  one per supported provider (each provider sub-package registers its own as a bean), in
     *                   the order of {@link #names()}
     */
    public ProviderRegistry(ProvidersProperties properties, ObjectProvider<MeterRegistry> meters, HttpProperties http,
            List<ProviderAdapterFactory> factories) {
        this(properties, meters, http, factories, null);
    }

    /**
     * @param properties   {@code imagebatch.providers.*}
     * @param meters       where provider requests are counted ({@link ThrottledProvider})
     * @param http         {@code imagebatch.http.*} (see the constructor without {@code learnedRates})
     * @param factories    one per supported provider, in the order of {@link #names()}
     * @param learnedRates where each key's throttle remembers its learned rate (README, Performance); null or
     *                     none available (a context without it) remembers nothing
     */
    public ProviderRegistry(ProvidersProperties properties, ObjectProvider<MeterRegistry> meters, HttpProperties http,
            List<ProviderAdapterFactory> factories, ObjectProvider<LearnedRates> learnedRates) {
        this(properties, meters, http, factories, learnedRates, null);
    }

    /**
     * @param properties   {@code imagebatch.providers.*}
     * @param meters       where provider requests are counted ({@link ThrottledProvider})
     * @param http         {@code imagebatch.http.*} (see the constructor without {@code learnedRates})
     * @param factories    one per supported provider, in the order of {@link #names()}
     * @param learnedRates where each key's throttle remembers its learned rate (README, Performance); null or
     *                     none available (a context without it) remembers nothing
     * @param rateBuckets  where each key's request budget is shared with the other processes on the database
     *                     (README, "Finding a provider's rate limit"); null or none available: each process alone
     */
    @org.springframework.beans.factory.annotation.Autowired
    public ProviderRegistry(ProvidersProperties properties, ObjectProvider<MeterRegistry> meters, HttpProperties http,
            List<ProviderAdapterFactory> factories, ObjectProvider<LearnedRates> learnedRates,
            ObjectProvider<RateBuckets> rateBuckets) {
        this.rateBuckets = rateBuckets == null ? null : rateBuckets.getIfAvailable();
        this.learnedRates = learnedRates == null ? null : learnedRates.getIfAvailable();
        MeterRegistry registry = ImageBatchMetrics.registry(meters);
        List<String> secrets = new ArrayList<>();
        for (ProviderAdapterFactory factory : factories) {
            ProviderSettings s = factory.settings(properties);
            secrets.add(s.apiKey());
            secrets.add(s.callbackSecret());
        }
        ProviderHttp.Options options = new ProviderHttp.Options(http.maxAnswerBytes().toBytes(), secrets);
        for (ProviderAdapterFactory factory : factories) {
            ProviderSettings providerSettings = factory.settings(properties);
            register(factory.create(providerSettings, options), providerSettings, registry);
        }
    }

    /** Every adapter's requests go through its key's throttle ({@code requests-per-second}, {@code max-in-flight}). */
    private void register(ProviderAdapter adapter, ProviderSettings providerSettings, MeterRegistry registry) {
        RateMemory memory = learnedRates == null ? RateMemory.NONE
                : learnedRates.forKey(adapter.name(), providerSettings.apiKey());
        SharedBudget budget = rateBuckets == null ? SharedBudget.NONE
                : rateBuckets.forKey(adapter.name(), providerSettings.apiKey());
        adapters.put(adapter.name(), new ThrottledProvider(adapter, new ProviderThrottle(adapter.name(),
                providerSettings.requestsPerSecond(), providerSettings.maxInFlight(), memory, budget), registry));
        settings.put(adapter.name(), providerSettings);
    }

    /**
     * @param name a provider name, any case
     * @return its adapter, or empty for a provider we do not support
     */
    public Optional<ProviderAdapter> find(String name) {
        return name == null ? Optional.empty() : Optional.ofNullable(adapters.get(name.trim().toLowerCase()));
    }

    /** @return the supported provider names */
    public Set<String> names() {
        return adapters.keySet();
    }

    /**
     * @param name a supported provider name
     * @return true when its base URL and API key are set
     */
    public boolean isConfigured(String name) {
        ProviderSettings s = settings.get(name);
        return s != null && s.isConfigured();
    }
}
