package io.imagebatch.provider.crun;

import io.imagebatch.provider.ProviderAdapter;
import io.imagebatch.provider.ProviderAdapterFactory;
import io.imagebatch.provider.ProviderHttp;
import io.imagebatch.provider.ProviderSettings;
import io.imagebatch.provider.ProvidersProperties;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;

/**
 * Makes the {@link CrunAdapter} of {@code imagebatch.providers.crun.*} for the
 * {@link io.imagebatch.provider.ProviderRegistry}; registered as a Spring bean, position 4 among the providers.
 */
@Component
@Order(4)
public class CrunAdapterFactory implements ProviderAdapterFactory {

    /** @return {@value CrunAdapter#NAME} */
    @Override
    public String name() {
        return CrunAdapter.NAME;
    }

    /** @return {@code properties.crun()} */
    @Override
    public ProviderSettings settings(ProvidersProperties properties) {
        return properties.crun();
    }

    /** @return a new {@link CrunAdapter} with these settings and transport options */
    @Override
    public ProviderAdapter create(ProviderSettings settings, ProviderHttp.Options http) {
        return new CrunAdapter(settings, http);
    }
}
