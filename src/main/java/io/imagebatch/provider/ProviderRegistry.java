package io.imagebatch.provider;

import io.imagebatch.metrics.ImageBatchMetrics;
import io.imagebatch.provider.crun.CrunAdapter;
import io.imagebatch.provider.hiapi.HiApiAdapter;
import io.imagebatch.provider.liangxin.LiangXinAdapter;
import io.imagebatch.provider.mingyan.MingyanAdapter;
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
 * The provider adapters by name, built from {@link ProvidersProperties}.
 */
@Component
public class ProviderRegistry {

    private final Map<String, ProviderAdapter> adapters = new LinkedHashMap<>();
    private final Map<String, ProviderSettings> settings = new LinkedHashMap<>();

    /**
     * @param properties {@code imagebatch.providers.*}
     * @param meters     where provider requests are counted ({@link ThrottledProvider})
     */
    public ProviderRegistry(ProvidersProperties properties, ObjectProvider<MeterRegistry> meters) {
        this(properties, meters, new HttpProperties(null));
    }

    /**
     * @param properties {@code imagebatch.providers.*}
     * @param meters     where provider requests are counted ({@link ThrottledProvider})
     * @param http       {@code imagebatch.http.*}: the answer size limit of every adapter; every provider's key
     *                   and callback secret are masked in every adapter's answers ({@link ProviderHttp#mask})
     */
    @org.springframework.beans.factory.annotation.Autowired
    public ProviderRegistry(ProvidersProperties properties, ObjectProvider<MeterRegistry> meters, HttpProperties http) {
        MeterRegistry registry = ImageBatchMetrics.registry(meters);
        List<String> secrets = new ArrayList<>();
        for (ProviderSettings s : List.of(properties.liangxin(), properties.mingyan(), properties.hiapi(),
                properties.crun())) {
            secrets.add(s.apiKey());
            secrets.add(s.callbackSecret());
        }
        ProviderHttp.Options options = new ProviderHttp.Options(http.maxAnswerBytes().toBytes(), secrets);
        register(new LiangXinAdapter(properties.liangxin(), options), properties.liangxin(), registry);
        register(new MingyanAdapter(properties.mingyan(), options), properties.mingyan(), registry);
        register(new HiApiAdapter(properties.hiapi(), options), properties.hiapi(), registry);
        register(new CrunAdapter(properties.crun(), options), properties.crun(), registry);
    }

    /** Every adapter's requests go through its key's throttle ({@code requests-per-second}, {@code max-in-flight}). */
    private void register(ProviderAdapter adapter, ProviderSettings providerSettings, MeterRegistry registry) {
        adapters.put(adapter.name(), new ThrottledProvider(adapter, new ProviderThrottle(adapter.name(),
                providerSettings.requestsPerSecond(), providerSettings.maxInFlight()), registry));
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
