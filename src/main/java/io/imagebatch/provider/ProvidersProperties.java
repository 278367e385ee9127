package io.imagebatch.provider;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Settings of every provider, {@code imagebatch.providers.*}. One named component per provider rather than a
 * map, so that environment variables such as {@code IMAGEBATCH_PROVIDERS_LIANGXIN_APIKEY} bind without
 * ambiguity.
 *
 * @param liangxin LiangXin market API ({@code imagebatch.providers.liangxin.*})
 */
@ConfigurationProperties("imagebatch.providers")
public record ProvidersProperties(ProviderSettings liangxin) {

    public ProvidersProperties {
        liangxin = liangxin == null ? new ProviderSettings(null, null, null, null) : liangxin;
    }
}
