package io.imagebatch.provider.crun;

import io.imagebatch.provider.ProviderAdapterFactories;
import io.imagebatch.provider.ProvidersProperties;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;

/**
 * Registers the {@link CrunAdapter} of {@code imagebatch.providers.crun.*} with the
 * {@link io.imagebatch.provider.ProviderRegistry}, as a Spring bean; position 4 among the providers.
 */
@Component
@Order(4)
public class CrunAdapterFactory extends ProviderAdapterFactories {

    /** The factory of {@value CrunAdapter#NAME}. */
    public CrunAdapterFactory() {
        super(CrunAdapter.NAME, ProvidersProperties::crun, CrunAdapter::new);
    }
}
