package io.imagebatch.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;

/** The settings records bind as Spring Boot binds them, from environment variables and from properties. */
class SettingsBindingTest {

    @Test
    void defaultsWhenNothingIsConfigured() {
        Binder binder = new Binder(new MapConfigurationPropertySource(Map.of()));
        StorageProperties s3 = binder.bindOrCreate("imagebatch.s3", StorageProperties.class);
        DownloadProperties download = binder.bindOrCreate("imagebatch.download", DownloadProperties.class);

        assertThat(s3).isEqualTo(StorageProperties.defaults());
        assertThat(s3.partSize()).isEqualTo(8_388_608L);
        assertThat(download).isEqualTo(DownloadProperties.defaults());
        assertThat(download.connectTimeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(download.readTimeout()).isEqualTo(Duration.ofSeconds(120));
        assertThat(download.maxBytes()).isEqualTo(67_108_864L);
        assertThat(download.maxRedirects()).isEqualTo(5);
        assertThat(download.allowPrivateNetworks()).isFalse();
    }

    @Test
    void bindsFromEnvironmentVariables() {
        SystemEnvironmentPropertySource env = new SystemEnvironmentPropertySource(
                StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME, Map.of(
                        "IMAGEBATCH_S3_PATHSTYLE", "true",
                        "IMAGEBATCH_S3_ENDPOINT", "http://127.0.0.1:9000",
                        "IMAGEBATCH_S3_REGION", "eu-west-1",
                        "IMAGEBATCH_S3_PARTSIZE", "10485760",
                        "IMAGEBATCH_DOWNLOAD_ALLOWPRIVATENETWORKS", "true",
                        "IMAGEBATCH_DOWNLOAD_READTIMEOUT", "30s",
                        "IMAGEBATCH_DOWNLOAD_MAXBYTES", "1000"));
        Binder binder = new Binder(ConfigurationPropertySources.from(env));

        StorageProperties s3 = binder.bindOrCreate("imagebatch.s3", StorageProperties.class);
        assertThat(s3.pathStyle()).isTrue();
        assertThat(s3.endpoint()).isEqualTo(URI.create("http://127.0.0.1:9000"));
        assertThat(s3.region()).isEqualTo("eu-west-1");
        assertThat(s3.partSize()).isEqualTo(10_485_760L);

        DownloadProperties download = binder.bindOrCreate("imagebatch.download", DownloadProperties.class);
        assertThat(download.allowPrivateNetworks()).isTrue();
        assertThat(download.readTimeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(download.connectTimeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(download.maxBytes()).isEqualTo(1000L);
    }

    @Test
    void bindsFromKebabCaseProperties() {
        Binder binder = new Binder(new MapConfigurationPropertySource(Map.of(
                "imagebatch.s3.path-style", "true",
                "imagebatch.s3.endpoint", "http://127.0.0.1:9999",
                "imagebatch.download.allow-private-networks", "true",
                "imagebatch.download.max-redirects", "0")));
        assertThat(binder.bindOrCreate("imagebatch.s3", StorageProperties.class).pathStyle()).isTrue();
        DownloadProperties download = binder.bindOrCreate("imagebatch.download", DownloadProperties.class);
        assertThat(download.allowPrivateNetworks()).isTrue();
        assertThat(download.maxRedirects()).isZero();
    }

    @Test
    void refusesOutOfRangeValues() {
        Binder binder = new Binder(new MapConfigurationPropertySource(Map.of("imagebatch.s3.part-size", "1024")));
        assertThatThrownBy(() -> binder.bindOrCreate("imagebatch.s3", StorageProperties.class))
                .isInstanceOf(BindException.class)
                .rootCause().hasMessageContaining("part-size must be between 5242880");
        assertThatThrownBy(() -> new DownloadProperties(false, Duration.ZERO, null, 1, 0))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new StorageProperties(false, URI.create("ftp://x"), null, StorageProperties.DEFAULT_PART_SIZE))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
