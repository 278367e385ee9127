package io.imagebatch.provider.mingyan;

import io.imagebatch.provider.ProviderAdapterFactories;
import io.imagebatch.provider.ProvidersProperties;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;

/**
 * Registers the {@link MingyanAdapter} of {@code imagebatch.providers.mingyan.*} with the
 * {@link io.imagebatch.provider.ProviderRegistry}, as a Spring bean; position 2 among the providers.
 */
@Component
@Order(2)
public class MingyanAdapterFactory extends ProviderAdapterFactories {

    /** The factory of {@value MingyanAdapter#NAME}. */
    public MingyanAdapterFactory() {
        super(MingyanAdapter.NAME, ProvidersProperties::mingyan, MingyanAdapter::new);
    }
}
