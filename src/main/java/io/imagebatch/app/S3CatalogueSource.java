package io.imagebatch.app;

import io.imagebatch.storage.OutputStoreException;
import io.imagebatch.storage.S3CatalogueFetcher;
import io.imagebatch.storage.StorageProperties;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.core.env.StandardEnvironment;

/**
 * A catalogue given as {@code s3://bucket/key}: streamed to a local copy before Spring starts
 * ({@link S3CatalogueFetcher}), because the batch's identity depends on the catalogue's content (README, "The
 * catalogue").
 */
public final class S3CatalogueSource {

    /** The setting that names the folder of local copies; default {@value #DEFAULT_CACHE}. */
    public static final String CACHE_SETTING = "imagebatch.catalogue-cache";
    /** Where local copies go when {@value #CACHE_SETTING} is not set. */
    public static final String DEFAULT_CACHE = "data/catalogues";

    private S3CatalogueSource() {
    }

    /**
     * @param catalogue  the catalogue's {@code s3://bucket/key} URI
     * @param springArgs the command line's settings; the {@code imagebatch.s3.*} ones, system properties and
     *                   environment variables choose the endpoint and credentials ({@link PreStartEnvironment})
     * @return the absolute path of the local copy
     * @throws UsageException when the URI is not a valid S3 URI or the object cannot be fetched (the message
     *                        names the bucket and key, never a credential)
     */
    public static Path fetch(String catalogue, List<String> springArgs) {
        StandardEnvironment environment = PreStartEnvironment.of(springArgs);
        StorageProperties s3 = Binder.get(environment).bind("imagebatch.s3", StorageProperties.class)
                .orElseGet(StorageProperties::defaults);
        Path cache = Path.of(environment.getProperty(CACHE_SETTING, DEFAULT_CACHE));
        try {
            return S3CatalogueFetcher.fetch(URI.create(catalogue), s3, cache).toAbsolutePath();
        } catch (IllegalArgumentException | OutputStoreException e) {
            throw new UsageException(e.getMessage());
        }
    }
}
