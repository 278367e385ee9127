package io.imagebatch.provider.hiapi;

import io.imagebatch.provider.ProviderAdapter;
import io.imagebatch.provider.ProviderAdapterFactory;
import io.imagebatch.provider.ProviderHttp;
import io.imagebatch.provider.ProviderSettings;
import io.imagebatch.provider.ProvidersProperties;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;

/**
 * Makes the {@link HiApiAdapter} of {@code imagebatch.providers.hiapi.*} for the
 * {@link io.imagebatch.provider.ProviderRegistry}; registered as a Spring bean, position 3 among the providers.
 */
@Component
@Order(3)
public class HiApiAdapterFactory implements ProviderAdapterFactory {

    /** @return {@value HiApiAdapter#NAME} */
    @Override
    public String name() {
        return HiApiAdapter.NAME;
    }

    /** @return {@code properties.hiapi()} */
    @Override
    public ProviderSettings settings(ProvidersProperties properties) {
        return properties.hiapi();
    }

    /** @return a new {@link HiApiAdapter} with these settings and transport options */
    @Override
    public ProviderAdapter create(ProviderSettings settings, ProviderHttp.Options http) {
        return new HiApiAdapter(settings, http);
    }
}
