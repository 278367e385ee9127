package io.imagebatch.provider;

/**
 * Makes one provider's adapter. Each provider sub-package registers its factory as a Spring bean, and
 * {@link ProviderRegistry} is given them all, so that this package never names a provider sub-package (the
 * sub-packages depend on it, not the other way round; see the architecture test). The registry keeps the
 * factories' bean order ({@link org.springframework.core.annotation.Order}) as the order of
 * {@link ProviderRegistry#names()}.
 */
public interface ProviderAdapterFactory {

    /** @return the provider's name, lower case, as rows and {@code --provider} give it (e.g. {@code liangxin}) */
    String name();

    /**
     * @param properties {@code imagebatch.providers.*}
     * @return this provider's settings among them ({@code imagebatch.providers.NAME.*}); never null
     */
    ProviderSettings settings(ProvidersProperties properties);

    /**
     * @param settings this provider's settings ({@link #settings})
     * @param http     the answer size limit (bytes) and every configured secret to mask ({@link ProviderHttp.Options})
     * @return a new adapter, not throttled (the registry wraps it in a {@link ThrottledProvider})
     */
    ProviderAdapter create(ProviderSettings settings, ProviderHttp.Options http);
}
