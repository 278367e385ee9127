package io.imagebatch.provider.liangxin;

import io.imagebatch.provider.ProviderAdapter;
import io.imagebatch.provider.ProviderAdapterFactory;
import io.imagebatch.provider.ProviderHttp;
import io.imagebatch.provider.ProviderSettings;
import io.imagebatch.provider.ProvidersProperties;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;

/**
 * Makes the {@link LiangXinAdapter} of {@code imagebatch.providers.liangxin.*} for the
 * {@link io.imagebatch.provider.ProviderRegistry}; registered as a Spring bean, position 1 among the providers.
 */
@Component
@Order(1)
public class LiangXinAdapterFactory implements ProviderAdapterFactory {

    /** @return {@value LiangXinAdapter#NAME} */
    @Override
    public String name() {
        return LiangXinAdapter.NAME;
    }

    /** @return {@code properties.liangxin()} */
    @Override
    public ProviderSettings settings(ProvidersProperties properties) {
        return properties.liangxin();
    }

    /** @return a new {@link LiangXinAdapter} with these settings and transport options */
    @Override
    public ProviderAdapter create(ProviderSettings settings, ProviderHttp.Options http) {
        return new LiangXinAdapter(settings, http);
    }
}
