package io.imagebatch.provider;

import java.util.Objects;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * The one implementation of {@link ProviderAdapterFactory}: a provider's name, where its settings are among
 * {@code imagebatch.providers.*}, and its adapter's constructor. Each provider sub-package registers a subclass
 * that only names these three, so the registration logic lives here once.
 */
public abstract class ProviderAdapterFactories implements ProviderAdapterFactory {

    private final String name;
    private final Function<ProvidersProperties, ProviderSettings> settings;
    private final BiFunction<ProviderSettings, ProviderHttp.Options, ProviderAdapter> adapter;

    /**
     * @param name     the provider's name, lower case (e.g. {@code liangxin})
     * @param settings its settings among {@code imagebatch.providers.*}
     * @param adapter  its adapter's constructor
     * @throws NullPointerException when any is null
     */
    protected ProviderAdapterFactories(String name, Function<ProvidersProperties, ProviderSettings> settings,
            BiFunction<ProviderSettings, ProviderHttp.Options, ProviderAdapter> adapter) {
        this.name = Objects.requireNonNull(name, "name");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.adapter = Objects.requireNonNull(adapter, "adapter");
    }

    @Override
    public final String name() {
        return name;
    }

    @Override
    public final ProviderSettings settings(ProvidersProperties properties) {
        return settings.apply(properties);
    }

    @Override
    public final ProviderAdapter create(ProviderSettings providerSettings, ProviderHttp.Options http) {
        return adapter.apply(providerSettings, http);
    }
}
