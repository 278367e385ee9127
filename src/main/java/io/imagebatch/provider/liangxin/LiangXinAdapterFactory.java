package io.imagebatch.provider.liangxin;

import io.imagebatch.provider.ProviderAdapterFactories;
import io.imagebatch.provider.ProvidersProperties;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;

/**
 * Registers the {@link LiangXinAdapter} of {@code imagebatch.providers.liangxin.*} with the
 * {@link io.imagebatch.provider.ProviderRegistry}, as a Spring bean; position 1 among the providers.
 */
@Component
@Order(1)
public class LiangXinAdapterFactory extends ProviderAdapterFactories {

    /** The factory of {@value LiangXinAdapter#NAME}. */
    public LiangXinAdapterFactory() {
        super(LiangXinAdapter.NAME, ProvidersProperties::liangxin, LiangXinAdapter::new);
    }
}
