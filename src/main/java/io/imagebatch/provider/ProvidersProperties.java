package io.imagebatch.provider;

import java.net.URI;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Settings of every provider, {@code imagebatch.providers.*}. One named component per provider rather than a
 * map, so that environment variables such as {@code IMAGEBATCH_PROVIDERS_LIANGXIN_APIKEY} bind without
 * ambiguity. Where the documentation gives a public base URL it is the default.
 *
 * @param liangxin LiangXin market API ({@code imagebatch.providers.liangxin.*}); no documented public base URL
 * @param mingyan  mingyan ({@code imagebatch.providers.mingyan.*}); default base URL
 *                 {@code https://zcbservice.aizfw.cn/kyyReactApiServer} (mingyan-nano-banana-create-task.txt)
 * @param hiapi    HiAPI ({@code imagebatch.providers.hiapi.*}); default base URL {@code https://api.hiapi.ai}
 *                 (docs/providers/hiapi.md)
 * @param crun     crun.ai ({@code imagebatch.providers.crun.*}); default base URL {@code https://api.crun.ai}
 *                 (docs/providers/crun.md)
 */
@ConfigurationProperties("imagebatch.providers")
public record ProvidersProperties(ProviderSettings liangxin, ProviderSettings mingyan, ProviderSettings hiapi,
        ProviderSettings crun) {

    /** mingyan's documented base URL. */
    public static final URI MINGYAN_BASE_URL = URI.create("https://zcbservice.aizfw.cn/kyyReactApiServer");
    /** HiAPI's documented base URL. */
    public static final URI HIAPI_BASE_URL = URI.create("https://api.hiapi.ai");
    /** crun.ai's documented base URL. */
    public static final URI CRUN_BASE_URL = URI.create("https://api.crun.ai");

    public ProvidersProperties {
        liangxin = orEmpty(liangxin);
        mingyan = orEmpty(mingyan).withDefaultBaseUrl(MINGYAN_BASE_URL);
        hiapi = orEmpty(hiapi).withDefaultBaseUrl(HIAPI_BASE_URL);
        crun = orEmpty(crun).withDefaultBaseUrl(CRUN_BASE_URL);
    }

    private static ProviderSettings orEmpty(ProviderSettings settings) {
        return settings != null ? settings : ProviderSettings.of(null, null);
    }
}
