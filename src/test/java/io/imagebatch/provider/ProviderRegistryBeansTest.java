package io.imagebatch.provider;

import static org.assertj.core.api.Assertions.assertThat;

import io.imagebatch.provider.crun.CrunAdapterFactory;
import io.imagebatch.provider.hiapi.HiApiAdapterFactory;
import io.imagebatch.provider.liangxin.LiangXinAdapterFactory;
import io.imagebatch.provider.mingyan.MingyanAdapterFactory;
import java.net.URI;
import org.junit.jupiter.api.Test;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;

/** The registry is given its adapters by the provider sub-packages' factory beans, in the providers' order. */
class ProviderRegistryBeansTest {

    @Test
    void theRegistryGetsEveryProvidersAdapterFromItsFactoryBeanInTheDocumentedOrder() {
        try (AnnotationConfigApplicationContext context = new AnnotationConfigApplicationContext()) {
            // registered in the reverse order: the registry's order comes from the factories' @Order
            context.register(CrunAdapterFactory.class, HiApiAdapterFactory.class, MingyanAdapterFactory.class,
                    LiangXinAdapterFactory.class, ProviderRegistry.class);
            context.registerBean(ProvidersProperties.class, () -> new ProvidersProperties(
                    ProviderSettings.of(URI.create("http://127.0.0.1:9"), "k"), null, null, null));
            context.registerBean(HttpProperties.class, () -> new HttpProperties(null));
            context.refresh();

            ProviderRegistry registry = context.getBean(ProviderRegistry.class);
            assertThat(registry.names()).containsExactly("liangxin", "mingyan", "hiapi", "crun");
            assertThat(registry.find("LiangXin")).get().extracting(ProviderAdapter::name).isEqualTo("liangxin");
            assertThat(registry.isConfigured("liangxin")).isTrue();
            assertThat(registry.isConfigured("hiapi")).isFalse();
        }
    }
}
