package io.imagebatch.provider.mingyan;

import io.imagebatch.provider.ProviderAdapter;
import io.imagebatch.provider.ProviderAdapterFactory;
import io.imagebatch.provider.ProviderHttp;
import io.imagebatch.provider.ProviderSettings;
import io.imagebatch.provider.ProvidersProperties;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;

/**
 * Makes the {@link MingyanAdapter} of {@code imagebatch.providers.mingyan.*} for the
 * {@link io.imagebatch.provider.ProviderRegistry}; registered as a Spring bean, position 2 among the providers.
 */
@Component
@Order(2)
public class MingyanAdapterFactory implements ProviderAdapterFactory {

    /** @return {@value MingyanAdapter#NAME} */
    @Override
    public String name() {
        return MingyanAdapter.NAME;
    }

    /** @return {@code properties.mingyan()} */
    @Override
    public ProviderSettings settings(ProvidersProperties properties) {
        return properties.mingyan();
    }

    /** @return a new {@link MingyanAdapter} with these settings and transport options */
    @Override
    public ProviderAdapter create(ProviderSettings settings, ProviderHttp.Options http) {
        return new MingyanAdapter(settings, http);
    }
}
