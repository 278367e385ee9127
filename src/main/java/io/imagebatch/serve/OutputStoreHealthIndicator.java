package io.imagebatch.serve;

import io.imagebatch.app.BatchSettingsResolver;
import io.imagebatch.app.JobFile;
import io.imagebatch.storage.OutputLocation;
import io.imagebatch.storage.StorageProperties;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Profile;
import org.springframework.stereotype.Component;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.regions.providers.DefaultAwsRegionProviderChain;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * The health of the output stores of the scheduled job files ({@code outputStores} in {@code /actuator/health}):
 * each distinct location is checked on every health request. An S3 bucket is reachable when a
 * {@code HeadBucket} with the configured endpoint and the SDK's credentials succeeds; a folder when a file can be
 * created in it (or, when it does not exist yet, in its nearest existing parent, where it will be created). UP
 * when every location is; DOWN with each location's reason otherwise. The details name locations and errors,
 * never credentials.
 */
@Component("outputStoresHealthIndicator")
@Profile(ServeProperties.PROFILE)
public class OutputStoreHealthIndicator implements HealthIndicator, DisposableBean {

    private static final Duration S3_TIMEOUT = Duration.ofSeconds(5);

    private final Set<String> locations = new LinkedHashSet<>();
    private final StorageProperties storage;
    private volatile S3Client s3;
    private volatile DefaultCredentialsProvider credentials;

    /**
     * @param jobs    the scheduled job files, whose {@code output} locations are checked (the default
     *                {@value BatchSettingsResolver#DEFAULT_OUTPUT} where a file names none)
     * @param storage the S3 settings the job uses (endpoint, region, path style)
     */
    public OutputStoreHealthIndicator(ServeJobs jobs, StorageProperties storage) {
        for (JobFile job : jobs.scheduled()) {
            locations.add(job.output() == null ? BatchSettingsResolver.DEFAULT_OUTPUT : job.output());
        }
        this.storage = storage;
    }

    @Override
    public Health health() {
        Map<String, String> details = new LinkedHashMap<>();
        boolean up = true;
        for (String location : locations) {
            String problem = check(location);
            details.put(location, problem == null ? "reachable" : problem);
            up &= problem == null;
        }
        return (up ? Health.up() : Health.down()).withDetails(details).build();
    }

    /** @return null when the location can be written, else why not */
    private String check(String text) {
        OutputLocation location;
        try {
            location = OutputLocation.parse(text);
        } catch (IllegalArgumentException e) {
            return e.getMessage();
        }
        return location.kind() == OutputLocation.Kind.S3 ? checkBucket(location.bucket())
                : checkFolder(location.directory());
    }

    private String checkBucket(String bucket) {
        try {
            client().headBucket(b -> b.bucket(bucket));
            return null;
        } catch (S3Exception e) {
            return "HeadBucket " + bucket + ": HTTP " + e.statusCode()
                    + (e.awsErrorDetails() != null && e.awsErrorDetails().errorCode() != null
                    ? " " + e.awsErrorDetails().errorCode() : "");
        } catch (SdkException e) {
            return "HeadBucket " + bucket + ": " + e.getMessage();
        }
    }

    private static String checkFolder(Path directory) {
        Path existing = directory;
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        if (existing == null || !Files.isDirectory(existing)) {
            return "no folder to write in: " + directory;
        }
        try {
            Files.delete(Files.createTempFile(existing, ".imagebatch-health-", ".tmp"));
            return null;
        } catch (IOException e) {
            return "cannot write in " + existing + ": " + e;
        }
    }

    private S3Client client() {
        S3Client client = s3;
        if (client == null) {
            synchronized (this) {
                if (s3 == null) {
                    credentials = DefaultCredentialsProvider.builder().build();
                    // the same client settings as the output store's, and short timeouts: a probe must not hang
                    S3ClientBuilder builder = S3Client.builder().credentialsProvider(credentials)
                            .region(region()).forcePathStyle(storage.pathStyle())
                            .overrideConfiguration(c -> c.apiCallTimeout(S3_TIMEOUT).apiCallAttemptTimeout(S3_TIMEOUT));
                    if (storage.endpoint() != null) {
                        builder.endpointOverride(storage.endpoint());
                    }
                    s3 = builder.build();
                }
                client = s3;
            }
        }
        return client;
    }

    private Region region() {
        if (storage.region() != null) {
            return Region.of(storage.region());
        }
        try {
            return new DefaultAwsRegionProviderChain().getRegion();
        } catch (SdkException e) {
            return Region.US_EAST_1;
        }
    }

    /** Closes the S3 client, if one was made. */
    @Override
    public void destroy() {
        if (s3 != null) {
            s3.close();
            credentials.close();
        }
    }
}
