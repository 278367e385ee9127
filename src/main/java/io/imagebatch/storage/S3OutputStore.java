package io.imagebatch.storage;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.regions.providers.DefaultAwsRegionProviderChain;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.s3.model.AbortMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.ChecksumAlgorithm;
import software.amazon.awssdk.services.s3.model.CompleteMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.CompletedMultipartUpload;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.CreateMultipartUploadRequest;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectRequest;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.UploadPartRequest;
import software.amazon.awssdk.services.s3.model.UploadPartResponse;

/**
 * An {@link OutputStore} on an S3 bucket ({@code s3://bucket/prefix} locations), through the AWS SDK v2
 * synchronous {@link S3Client}. Works with any S3-compatible endpoint (S3Proxy, MinIO) given an endpoint and path
 * style ({@code docs/STACK.md}, "Local S3"; rules: {@code docs/design.md}, "Output store").
 *
 * <p>Writes never leave a partial object:
 * <ul>
 *   <li>known length: one PutObject streaming the body ({@link RequestBody#fromInputStream(InputStream, long)},
 *       at most 5 GiB); S3 stores it whole or not at all, and a body shorter or longer than declared fails the
 *       request. The body is not buffered, so the SDK cannot retry such a request: a failure is reported to the
 *       caller. The download step therefore stores from a local spool file ({@link #putFile}), which can be
 *       sent again;</li>
 *   <li>unknown length: the body is read one part ({@link StorageProperties#partSize()} bytes) at a time. If it
 *       fits in one part, a single PutObject; otherwise a multipart upload (CreateMultipartUpload, UploadPart per
 *       part with a CRC32 checksum, CompleteMultipartUpload), aborted (AbortMultipartUpload) on any failure, so
 *       the object appears only on completion. Memory: one part buffer per upload in flight.</li>
 * </ul>
 * A request whose content can be sent again (a file, the report's bytes, a buffered part) and that fails for a
 * passing reason (5xx, 503 SlowDown, a reset connection, a timeout) is retried by the SDK with exponential
 * backoff and jitter, {@link StorageProperties#maxAttempts()} attempts in all ({@link #retryStrategy}); only a store
 * that keeps failing past them, or refuses (403, NoSuchBucket), fails the write.
 * Credentials come from the SDK's default chain only and never appear in messages.
 */
public final class S3OutputStore extends MeasuredOutputStore {

    /** The region used when none is configured anywhere: S3-compatible servers ignore it. */
    public static final Region FALLBACK_REGION = Region.US_EAST_1;

    private static final Logger log = LoggerFactory.getLogger(S3OutputStore.class);
    /** S3 allows at most 10,000 parts per multipart upload. */
    private static final int MAX_PARTS = 10_000;
    private static final int FIRST_BUFFER = 64 * 1024;

    private final S3Client client;
    private final boolean ownsClient;
    private final DefaultCredentialsProvider ownCredentials;
    private final int partSize;

    /**
     * Opens a store with its own client; {@link #close()} closes it. The client uses the SDK's default
     * credentials chain, the configured region (else the SDK's region chain, else {@link #FALLBACK_REGION}),
     * {@code forcePathStyle} from the settings, and the explicit endpoint when one is set. Without an explicit
     * endpoint the SDK itself applies {@code AWS_ENDPOINT_URL_S3} / {@code AWS_ENDPOINT_URL} (and the system
     * properties {@code aws.endpointUrlS3} / {@code aws.endpointUrl}).
     *
     * @param location an {@link OutputLocation.Kind#S3} location
     * @param settings endpoint, path style, region and part size
     * @throws IllegalArgumentException when the location is not an S3 location
     * @throws OutputStoreException     when the SDK refuses the configuration
     */
    public S3OutputStore(OutputLocation location, StorageProperties settings) {
        this(requireS3(location), settings, DefaultCredentialsProvider.builder().build());
    }

    private static OutputLocation requireS3(OutputLocation location) {
        if (Objects.requireNonNull(location, "location").kind() != OutputLocation.Kind.S3) {
            throw new IllegalArgumentException("not an S3 location: " + location);
        }
        return location;
    }

    private S3OutputStore(OutputLocation location, StorageProperties settings, DefaultCredentialsProvider credentials) {
        this(location, newClient(settings, credentials), settings.partSize(), credentials);
    }

    /**
     * Opens a store on a caller-supplied client, which {@link #close()} leaves open.
     *
     * @param location an {@link OutputLocation.Kind#S3} location
     * @param client   the S3 client to use
     * @param partSize multipart part size in bytes, see {@link StorageProperties#partSize()}
     * @throws IllegalArgumentException when the location is not an S3 location or the part size is out of range
     */
    public S3OutputStore(OutputLocation location, S3Client client, long partSize) {
        this(location, client, partSize, null);
    }

    private S3OutputStore(OutputLocation location, S3Client client, long partSize,
            DefaultCredentialsProvider ownCredentials) {
        super(requireS3(location));
        this.client = Objects.requireNonNull(client, "client");
        if (partSize < StorageProperties.MIN_PART_SIZE || partSize > StorageProperties.MAX_PART_SIZE) {
            throw new IllegalArgumentException("part size must be between " + StorageProperties.MIN_PART_SIZE + " and "
                    + StorageProperties.MAX_PART_SIZE + " bytes, got " + partSize);
        }
        this.partSize = (int) partSize;
        this.ownsClient = ownCredentials != null;
        this.ownCredentials = ownCredentials;
    }

    static S3Client newClient(StorageProperties settings, DefaultCredentialsProvider credentials) {
        try {
            S3ClientBuilder builder = S3Client.builder()
                    .overrideConfiguration(o -> o.retryStrategy(retryStrategy(settings.maxAttempts())))
                    .credentialsProvider(credentials)
                    .region(resolveRegion(settings))
                    .forcePathStyle(settings.pathStyle());
            if (settings.endpoint() != null) {
                builder.endpointOverride(settings.endpoint());
            }
            return builder.build();
        } catch (SdkException | IllegalArgumentException e) {
            credentials.close();
            throw new OutputStoreException("could not create the S3 client: " + FileOutputStore.describe(e), e);
        }
    }

    /**
     * The retry strategy of the clients this store builds: the AWS SDK's standard strategy (retries 5xx, throttling
     * such as 503 SlowDown, I/O errors and timeouts, with exponential backoff and full jitter; never 4xx
     * refusals), with {@code maxAttempts} attempts and without its retry-quota circuit breaker, which under a
     * steady share of SlowDown answers would stop retrying for every request at once.
     *
     * @param maxAttempts attempts per request, first one included
     * @return the strategy
     */
    static software.amazon.awssdk.retries.api.RetryStrategy retryStrategy(int maxAttempts) {
        return AwsRetryStrategy.standardRetryStrategy().toBuilder()
                .maxAttempts(maxAttempts)
                .circuitBreakerEnabled(false)
                .build();
    }

    /**
     * The region a client built from {@code settings} uses.
     *
     * @param settings the S3 settings
     * @return the configured region, else the SDK chain's, else {@link #FALLBACK_REGION}
     */
    static Region resolveRegion(StorageProperties settings) {
        if (settings.region() != null) {
            return Region.of(settings.region());
        }
        try {
            return new DefaultAwsRegionProviderChain().getRegion();
        } catch (SdkException e) {
            return FALLBACK_REGION;
        }
    }

    /**
     * {@inheritDoc}
     *
     * <p>With a known length the body is streamed in one PutObject; with {@code -1} it goes through the
     * one-part-at-a-time path described on the class.
     */
    @Override
    URI putMeasured(String key, MeasuringInputStream in, long contentLength, String contentType) {
        String fullKey = fullKey(key);
        URI uri = toUri(fullKey);
        try {
            if (contentLength >= 0) {
                putObject(fullKey, RequestBody.fromInputStream(in, contentLength), contentLength, contentType);
            } else {
                putUnknownLength(fullKey, in, contentType);
            }
            log.debug("stored {} ({} bytes)", uri, in.count());
            return uri;
        } catch (IOException | RuntimeException e) {
            // when the content failed, the SDK may retry and then report that the one-shot stream cannot be
            // replayed (IllegalStateException); the content's own failure is the useful cause
            Throwable cause = in.failure() != null ? in.failure() : e;
            OutputStoreException failure = new OutputStoreException("could not store " + uri + ": "
                    + FileOutputStore.describe(cause), cause);
            if (cause != e) {
                failure.addSuppressed(e);
            }
            throw failure;
        }
    }

    /**
     * {@inheritDoc}
     *
     * <p>One PutObject from the file ({@link RequestBody#fromFile(Path)}), which the SDK can send again: a write
     * answered 5xx or SlowDown, reset or timed out is retried ({@link StorageProperties#maxAttempts()}).
     */
    @Override
    public URI putFile(String key, Path file, String contentType) {
        Objects.requireNonNull(file, "file");
        String fullKey = fullKey(key);
        URI uri = toUri(fullKey);
        try {
            long length = Files.size(file);
            putObject(fullKey, RequestBody.fromFile(file), length, contentType);
            log.debug("stored {} ({} bytes)", uri, length);
            return uri;
        } catch (IOException | RuntimeException e) {
            throw new OutputStoreException("could not store " + uri + ": " + FileOutputStore.describe(e), e);
        }
    }

    /**
     * {@inheritDoc}
     *
     * <p>One PutObject from the array, which the SDK can send again (retried like {@link #putFile}).
     */
    @Override
    public URI putBytes(String key, byte[] content, String contentType) {
        Objects.requireNonNull(content, "content");
        String fullKey = fullKey(key);
        URI uri = toUri(fullKey);
        try {
            putObject(fullKey, RequestBody.fromBytes(content), content.length, contentType);
            return uri;
        } catch (RuntimeException e) {
            throw new OutputStoreException("could not store " + uri + ": " + FileOutputStore.describe(e), e);
        }
    }

    @Override
    public Optional<Long> size(String key) {
        String fullKey = fullKey(key);
        try {
            return Optional.of(client.headObject(HeadObjectRequest.builder()
                    .bucket(location.bucket()).key(fullKey).build()).contentLength());
        } catch (NoSuchKeyException e) {
            return Optional.empty();
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                return Optional.empty();
            }
            throw new OutputStoreException("could not read the size of " + toUri(fullKey) + ": "
                    + FileOutputStore.describe(e), e);
        } catch (SdkException e) {
            throw new OutputStoreException("could not read the size of " + toUri(fullKey) + ": "
                    + FileOutputStore.describe(e), e);
        }
    }

    /**
     * {@inheritDoc}
     *
     * <p>One {@code GetObject}, its body returned as the SDK's {@code ResponseInputStream} (streamed from the
     * connection, never buffered whole), with this store's client settings: its HTTP client's connect and socket
     * timeouts and {@link StorageProperties#maxAttempts()} attempts for a request that fails for a passing
     * reason before the body starts. {@code NoSuchKey} (or another 404) is empty; {@code NoSuchBucket} is an
     * {@link OutputStoreException}, as a store that cannot be read.
     */
    @Override
    public Optional<StoredObject> open(String key) {
        String fullKey = fullKey(key);
        try {
            ResponseInputStream<GetObjectResponse> body = client.getObject(GetObjectRequest.builder()
                    .bucket(location.bucket()).key(fullKey).build());
            Long length = body.response().contentLength();
            return Optional.of(new StoredObject(body, length == null ? 0 : length));
        } catch (NoSuchKeyException e) {
            return Optional.empty();
        } catch (S3Exception e) {
            // a missing bucket is a wrong configuration, not a missing object
            boolean noSuchBucket = e.awsErrorDetails() != null
                    && "NoSuchBucket".equals(e.awsErrorDetails().errorCode());
            if (e.statusCode() == 404 && !noSuchBucket) {
                return Optional.empty();
            }
            throw new OutputStoreException("could not read " + toUri(fullKey) + ": " + FileOutputStore.describe(e), e);
        } catch (SdkException e) {
            throw new OutputStoreException("could not read " + toUri(fullKey) + ": " + FileOutputStore.describe(e), e);
        }
    }

    /**
     * {@inheritDoc}
     *
     * <p>One {@code CopyObject} within the bucket (objects up to 5 GB), retried by the client as puts are.
     */
    @Override
    public URI copy(String fromKey, String toKey) {
        String from = fullKey(fromKey);
        String to = fullKey(toKey);
        try {
            client.copyObject(b -> b.sourceBucket(location.bucket()).sourceKey(from)
                    .destinationBucket(location.bucket()).destinationKey(to));
            return toUri(to);
        } catch (SdkException e) {
            throw new OutputStoreException("could not copy " + toUri(from) + " to " + toUri(to) + ": "
                    + FileOutputStore.describe(e), e);
        }
    }

    @Override
    public URI uriOf(String key) {
        return toUri(fullKey(key));
    }

    /**
     * {@inheritDoc}
     *
     * <p>{@code HeadBucket}, then a one-byte {@code PutObject} of {@code <prefix>/.imagebatch-probe-<random>} and
     * its {@code DeleteObject}: HeadBucket alone does not show that objects may be written.
     */
    @Override
    public void checkWritable() {
        String what = "HeadBucket " + location.bucket();
        try {
            client.headBucket(b -> b.bucket(location.bucket()));
            String probe = fullKey(".imagebatch-probe-" + Long.toHexString(new java.security.SecureRandom().nextLong()));
            what = "PutObject " + toUri(probe);
            putObject(probe, RequestBody.fromBytes(new byte[] {0}), 1, "application/octet-stream");
            what = "DeleteObject " + toUri(probe);
            client.deleteObject(b -> b.bucket(location.bucket()).key(probe));
        } catch (SdkException e) {
            throw new OutputStoreException("cannot write in " + location + ": " + what + " failed: "
                    + FileOutputStore.describe(e), e);
        }
    }

    /** Closes the S3 client and its credentials provider if this store created them. */
    @Override
    public void close() {
        if (ownsClient) {
            client.close();
            ownCredentials.close();
        }
    }

    private void putObject(String fullKey, RequestBody body, long length, String contentType) {
        client.putObject(PutObjectRequest.builder()
                .bucket(location.bucket())
                .key(fullKey)
                .contentType(contentType)
                .contentLength(length)
                .build(), body);
    }

    private void putUnknownLength(String fullKey, InputStream in, String contentType) throws IOException {
        byte[] buffer = new byte[Math.min(FIRST_BUFFER, partSize)];
        int filled = 0;
        // first part: grow the buffer as needed, so small bodies cost little memory
        while (true) {
            if (filled == buffer.length) {
                if (buffer.length == partSize) {
                    break;
                }
                buffer = Arrays.copyOf(buffer, (int) Math.min((long) buffer.length * 2, partSize));
            }
            int n = in.read(buffer, filled, buffer.length - filled);
            if (n < 0) {
                byte[] whole = buffer;
                int length = filled;
                putObject(fullKey, RequestBody.fromContentProvider(() -> new ByteArrayInputStream(whole, 0, length),
                        length, contentType), length, contentType);
                return;
            }
            filled += n;
        }
        multipart(fullKey, in, contentType, buffer);
    }

    private void multipart(String fullKey, InputStream in, String contentType, byte[] buffer) throws IOException {
        String uploadId = client.createMultipartUpload(CreateMultipartUploadRequest.builder()
                .bucket(location.bucket())
                .key(fullKey)
                .contentType(contentType)
                .checksumAlgorithm(ChecksumAlgorithm.CRC32)
                .build()).uploadId();
        boolean completed = false;
        try {
            List<CompletedPart> parts = new ArrayList<>();
            int filled = buffer.length; // the first part is already buffered
            while (filled > 0) {
                int partNumber = parts.size() + 1;
                int length = filled; // the part is in memory: the SDK may send it again
                if (partNumber > MAX_PARTS) {
                    throw new IOException("content needs more than " + MAX_PARTS + " parts of " + partSize
                            + " bytes; raise imagebatch.s3.part-size");
                }
                UploadPartResponse response = client.uploadPart(UploadPartRequest.builder()
                        .bucket(location.bucket())
                        .key(fullKey)
                        .uploadId(uploadId)
                        .partNumber(partNumber)
                        .contentLength((long) filled)
                        .checksumAlgorithm(ChecksumAlgorithm.CRC32)
                        .build(), RequestBody.fromContentProvider(() -> new ByteArrayInputStream(buffer, 0, length),
                        length, "application/octet-stream"));
                parts.add(CompletedPart.builder()
                        .partNumber(partNumber)
                        .eTag(response.eTag())
                        .checksumCRC32(response.checksumCRC32())
                        .build());
                filled = in.readNBytes(buffer, 0, buffer.length);
            }
            client.completeMultipartUpload(CompleteMultipartUploadRequest.builder()
                    .bucket(location.bucket())
                    .key(fullKey)
                    .uploadId(uploadId)
                    .multipartUpload(CompletedMultipartUpload.builder().parts(parts).build())
                    .build());
            completed = true;
        } finally {
            if (!completed) {
                abort(fullKey, uploadId);
            }
        }
    }

    private void abort(String fullKey, String uploadId) {
        try {
            client.abortMultipartUpload(AbortMultipartUploadRequest.builder()
                    .bucket(location.bucket()).key(fullKey).uploadId(uploadId).build());
        } catch (SdkException e) {
            log.warn("could not abort the multipart upload of {} (parts may linger until a lifecycle rule removes"
                    + " them): {}", toUri(fullKey), FileOutputStore.describe(e));
        }
    }

    private String fullKey(String key) {
        return location.key(ObjectKeys.check(key));
    }

    private URI toUri(String fullKey) {
        try {
            return new URI("s3", location.bucket(), "/" + fullKey, null);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("cannot express key \"" + fullKey + "\" as a URI", e);
        }
    }
}
