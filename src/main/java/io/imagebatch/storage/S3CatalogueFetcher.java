package io.imagebatch.storage;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.ResponseTransformer;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;

/**
 * Catalogues in S3 ({@code --catalogue s3://bucket/key.csv}): the object is streamed to a local copy
 * (never held in memory) named by its ETag, {@code <cache>/<bucket>/<etag>/<file name>}, and the job reads that
 * copy. So every re-read of a batch (a restart, a retry round) sees the same bytes even if the object is
 * replaced meanwhile, a new catalogue under the same key (a new ETag, a new content hash) is a new batch, and the
 * same one is fetched once.
 */
public final class S3CatalogueFetcher {

    private S3CatalogueFetcher() {
    }

    /**
     * @param location an {@code s3://bucket/key} URI
     * @param settings endpoint, path style and region, as for the output store
     * @param cache    the folder of local copies, created when missing
     * @return the local copy, with the object's own file name (so {@code .tsv} still means tab-separated)
     * @throws IllegalArgumentException when {@code location} is not an {@code s3://bucket/key} URI
     * @throws OutputStoreException     when the object cannot be read (missing, no access, store down); the
     *                                  message names the URI, never credentials
     */
    public static Path fetch(URI location, StorageProperties settings, Path cache) {
        String bucket = location.getHost();
        String key = location.getPath() == null ? "" : location.getPath().replaceFirst("^/", "");
        if (!"s3".equals(location.getScheme()) || bucket == null || key.isEmpty() || key.endsWith("/")) {
            throw new IllegalArgumentException("a catalogue in S3 is given as s3://bucket/key.csv, got " + location);
        }
        String fileName = key.substring(key.lastIndexOf('/') + 1);
        try (DefaultCredentialsProvider credentials = DefaultCredentialsProvider.builder().build();
                S3Client client = S3OutputStore.newClient(settings, credentials)) {
            HeadObjectResponse head = client.headObject(b -> b.bucket(bucket).key(key));
            String etag = head.eTag() == null ? "no-etag" : head.eTag().replaceAll("[^A-Za-z0-9-]", "");
            Path copy = cache.resolve(bucket).resolve(etag).resolve(fileName);
            if (Files.isRegularFile(copy) && Files.size(copy) == head.contentLength()) {
                return copy;
            }
            Files.createDirectories(copy.getParent());
            Path partial = Files.createTempFile(copy.getParent(), fileName, ".part");
            try {
                Files.delete(partial); // the SDK refuses to overwrite
                client.getObject(b -> b.bucket(bucket).key(key).ifMatch(head.eTag()),
                        ResponseTransformer.toFile(partial));
                Files.move(partial, copy, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } finally {
                Files.deleteIfExists(partial);
            }
            return copy;
        } catch (SdkException e) {
            throw new OutputStoreException("cannot read the catalogue " + location + ": "
                    + FileOutputStore.describe(e), e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot keep a local copy of the catalogue " + location + " in " + cache, e);
        }
    }
}
