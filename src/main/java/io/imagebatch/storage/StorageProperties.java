package io.imagebatch.storage;

import java.net.URI;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.ConstructorBinding;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The configuration of the S3 output store, bound from {@code imagebatch.s3.*} (environment variables
 * {@code IMAGEBATCH_S3_PATHSTYLE}, {@code IMAGEBATCH_S3_ENDPOINT}, {@code IMAGEBATCH_S3_REGION},
 * {@code IMAGEBATCH_S3_PARTSIZE}). Credentials are never configured here: they come from the AWS SDK's standard
 * chain (system properties {@code aws.accessKeyId}/{@code aws.secretAccessKey}, environment, profile, container
 * or instance role). A local folder store ignores these settings.
 *
 * @param pathStyle true to address buckets as {@code endpoint/bucket/key} rather than
 *                  {@code bucket.endpoint/key}; S3Proxy and MinIO usually need it
 *                  ({@code docs/STACK.md}, "Local S3")
 * @param endpoint  an explicit S3 endpoint such as {@code http://127.0.0.1:9000}, or null to let the SDK decide
 *                  (it honours {@code AWS_ENDPOINT_URL_S3} / {@code AWS_ENDPOINT_URL} itself)
 * @param region    an AWS region id such as {@code eu-west-1}, or null/blank to use the SDK's region chain
 *                  ({@code aws.region}, {@code AWS_REGION}, profile, instance metadata) and fall back to
 *                  {@code us-east-1} when nothing is configured
 * @param partSize  size in bytes of one multipart-upload part, used when a body's length is unknown; also the
 *                  most memory one such upload buffers. From {@link #MIN_PART_SIZE} (5 MiB, S3's minimum) to
 *                  {@link #MAX_PART_SIZE} (1 GiB); default 8388608 (8 MiB)
 * @param maxAttempts attempts of one S3 request whose failure may pass (5xx, 503 SlowDown and other throttling,
 *                  a reset connection, a timeout) before the store gives up and the job stops, resumable; the
 *                  waits between them are the AWS SDK's standard exponential backoff with full jitter (from
 *                  100 ms, or 1 s after throttling, up to 20 s). Refusals (403, NoSuchBucket) are never retried.
 *                  From 1 to 20; default 8 ({@code IMAGEBATCH_S3_MAXATTEMPTS})
 */
@ConfigurationProperties("imagebatch.s3")
public record StorageProperties(
        @DefaultValue("false") boolean pathStyle,
        URI endpoint,
        String region,
        @DefaultValue("8388608") long partSize,
        @DefaultValue("8") int maxAttempts) {

    /** Default multipart part size: 8 MiB, in bytes. */
    public static final long DEFAULT_PART_SIZE = 8L * 1024 * 1024;
    /** Smallest part S3 accepts (except for the last part): 5 MiB, in bytes. */
    public static final long MIN_PART_SIZE = 5L * 1024 * 1024;
    /** Largest part this store buffers: 1 GiB, in bytes (a part is held in one array). */
    public static final long MAX_PART_SIZE = 1024L * 1024 * 1024;
    /** Default attempts of one S3 request: 8. */
    public static final int DEFAULT_MAX_ATTEMPTS = 8;

    /**
     * Checks the part size and normalises a blank region to null.
     *
     * @param pathStyle see {@link #pathStyle()}
     * @param endpoint  see {@link #endpoint()}
     * @param region    see {@link #region()}; blank means none
     * @param partSize  see {@link #partSize()}, in bytes
     * @param maxAttempts see {@link #maxAttempts()}
     * @throws IllegalArgumentException when {@code partSize} is outside [{@link #MIN_PART_SIZE},
     *                                  {@link #MAX_PART_SIZE}], {@code maxAttempts} outside [1, 20], or the
     *                                  endpoint is not an absolute http(s) URI
     */
    @ConstructorBinding
    public StorageProperties {
        if (maxAttempts < 1 || maxAttempts > 20) {
            throw new IllegalArgumentException("imagebatch.s3.max-attempts must be between 1 and 20, got "
                    + maxAttempts);
        }
        if (partSize < MIN_PART_SIZE || partSize > MAX_PART_SIZE) {
            throw new IllegalArgumentException("imagebatch.s3.part-size must be between " + MIN_PART_SIZE + " and "
                    + MAX_PART_SIZE + " bytes, got " + partSize);
        }
        if (endpoint != null && (endpoint.getScheme() == null || endpoint.getHost() == null
                || !(endpoint.getScheme().equalsIgnoreCase("http") || endpoint.getScheme().equalsIgnoreCase("https")))) {
            throw new IllegalArgumentException("imagebatch.s3.endpoint must be an absolute http:// or https:// URI");
        }
        if (region != null && region.isBlank()) {
            region = null;
        }
    }

    /**
     * The first four settings, with {@link #DEFAULT_MAX_ATTEMPTS} attempts.
     *
     * @param pathStyle see {@link #pathStyle()}
     * @param endpoint  see {@link #endpoint()}
     * @param region    see {@link #region()}; blank means none
     * @param partSize  see {@link #partSize()}, in bytes
     * @throws IllegalArgumentException as the canonical constructor
     */
    public StorageProperties(boolean pathStyle, URI endpoint, String region, long partSize) {
        this(pathStyle, endpoint, region, partSize, DEFAULT_MAX_ATTEMPTS);
    }

    /**
     * The settings used when nothing is configured: virtual-hosted style, SDK endpoint and region chains,
     * 8 MiB parts, 8 attempts per request.
     *
     * @return default settings
     */
    public static StorageProperties defaults() {
        return new StorageProperties(false, null, null, DEFAULT_PART_SIZE);
    }
}
