package io.imagebatch.provider.hiapi;

import io.imagebatch.provider.ProviderAdapterFactories;
import io.imagebatch.provider.ProvidersProperties;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;

/**
 * Registers the {@link HiApiAdapter} of {@code imagebatch.providers.hiapi.*} with the
 * {@link io.imagebatch.provider.ProviderRegistry}, as a Spring bean; position 3 among the providers.
 */
@Component
@Order(3)
public class HiApiAdapterFactory extends ProviderAdapterFactories {

    /** The factory of {@value HiApiAdapter#NAME}. */
    public HiApiAdapterFactory() {
        super(HiApiAdapter.NAME, ProvidersProperties::hiapi, HiApiAdapter::new);
    }
}
