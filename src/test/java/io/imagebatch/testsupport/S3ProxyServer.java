package io.imagebatch.testsupport;

import org.awaitility.core.ConditionTimeoutException;
import java.time.Duration;
import static org.awaitility.Awaitility.await;
import java.net.URI;
import java.util.Optional;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.gaul.s3proxy.BlobStores;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.blobstore.BlobStore;

import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * An embedded S3-compatible server for tests: S3Proxy 4.1 on an in-memory ("transient") blob store, listening on
 * a random loopback port, requiring AWS signatures with fixed test credentials ({@link #ACCESS_KEY} /
 * {@link #SECRET_KEY}). Starts in well under a second ({@code docs/STACK.md}, "Coordinates").
 *
 * <p>To point code under test at it through the SDK's default chains, set the system properties
 * {@code aws.accessKeyId}, {@code aws.secretAccessKey}, {@code aws.region} ({@link #REGION}) and
 * {@code imagebatch.s3.endpoint} = {@link #endpoint()}, {@code imagebatch.s3.path-style=true}; or use
 * {@link #client()} directly.
 *
 * <pre>{@code
 * try (S3ProxyServer s3 = S3ProxyServer.start()) {
 *     s3.createBucket("images");
 *     ... s3.endpoint() ... s3.client() ...
 * }
 * }</pre>
 */
public final class S3ProxyServer implements AutoCloseable {

    /** Access key id the server accepts. */
    public static final String ACCESS_KEY = "test-access-key";
    /** Secret access key the server accepts. */
    public static final String SECRET_KEY = "test-secret-key";
    /** Region the clients sign for (S3Proxy does not check it). */
    public static final String REGION = "us-east-1";

    /**
     * The name under which S3Proxy's file-based blob stores (the {@code transient} one used here, and
     * {@code filesystem}) write an object's body while its PUT (or CompleteMultipartUpload) is in flight:
     * {@code <key>-<random UUID>} in the bucket's own folder, renamed to {@code <key>} once the body is whole and
     * deleted when the request fails (S3Proxy 4.1, {@code AbstractNio2BlobStore.putBlob}, whose own comment asks
     * whether listings should filter these out; they do not). A listing taken while the request is in flight
     * therefore shows it. A real S3 never lists an object before its PUT completed, so a check of "nothing else in
     * the bucket" must not count it against the code under test. Proved by
     * {@code S3ProxyServerTest#aPutCutMidBodyIsListedUnderAStagingNameUntilItsConnectionEnds}.
     */
    private static final Pattern STAGING_KEY = Pattern.compile(
            "(.+)-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");

    private final S3Proxy proxy;
    private final BlobStore blobStore;
    private final URI endpoint;
    private S3Client client;

    private S3ProxyServer(S3Proxy proxy, BlobStore blobStore, URI endpoint) {
        this.proxy = proxy;
        this.blobStore = blobStore;
        this.endpoint = endpoint;
    }

    /**
     * Starts a server with an empty in-memory store on {@code 127.0.0.1} and a free port.
     *
     * @return the running server; close it to stop it
     * @throws IllegalStateException when it does not start within 10 s
     */
    public static S3ProxyServer start() {
        Properties properties = new Properties();
        properties.setProperty("jclouds.identity", ACCESS_KEY);
        properties.setProperty("jclouds.credential", SECRET_KEY);
        BlobStore blobStore = BlobStores.create("transient", properties);
        S3Proxy proxy = S3Proxy.builder()
                .blobStore(blobStore)
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS_KEY, SECRET_KEY)
                .endpoint(URI.create("http://127.0.0.1:0"))
                .ignoreUnknownHeaders(true)
                .stopTimeout(0)
                .build();
        try {
            proxy.start();
            try {
                await("S3Proxy started").atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(10))
                        .until(() -> "STARTED".equals(proxy.getState()));
            } catch (ConditionTimeoutException e) {
                throw new IllegalStateException("S3Proxy did not start within 10 s: " + proxy.getState(), e);
            }
        } catch (IllegalStateException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException("could not start S3Proxy", e);
        }
        return new S3ProxyServer(proxy, blobStore, URI.create("http://127.0.0.1:" + proxy.getPort()));
    }

    /**
     * The key an S3Proxy staging object (see {@link #STAGING_KEY}) is being written for.
     *
     * @param listedKey a key as a listing of this server returned it
     * @return the key of the object whose PUT is in flight under {@code listedKey}, for example
     *         {@code seed-1/b/sku-012.png} for {@code seed-1/b/sku-012.png-0f8fad5b-d9cb-469f-a165-70867728950e};
     *         empty when {@code listedKey} does not end in {@code -<UUID>}
     */
    public static Optional<String> stagedKey(String listedKey) {
        Matcher m = STAGING_KEY.matcher(listedKey);
        return m.matches() ? Optional.of(m.group(1)) : Optional.empty();
    }

    /** @return the server's base URI, {@code http://127.0.0.1:PORT} */
    public URI endpoint() {
        return endpoint;
    }

    /**
     * A client for this server: path-style, region {@link #REGION}, the test credentials. Created once; closed
     * with the server.
     *
     * @return the shared client
     */
    public synchronized S3Client client() {
        if (client == null) {
            client = S3Client.builder()
                    .endpointOverride(endpoint)
                    .forcePathStyle(true)
                    .region(Region.of(REGION))
                    .credentialsProvider(StaticCredentialsProvider.create(
                            AwsBasicCredentials.create(ACCESS_KEY, SECRET_KEY)))
                    .build();
        }
        return client;
    }

    /**
     * Creates a bucket.
     *
     * @param bucket an S3 bucket name, for example {@code images}
     */
    public void createBucket(String bucket) {
        client().createBucket(b -> b.bucket(bucket));
    }

    /** Stops the server and closes the client; the stored data is gone. */
    @Override
    public synchronized void close() {
        if (client != null) {
            client.close();
            client = null;
        }
        try {
            proxy.stop();
        } catch (Exception e) {
            throw new IllegalStateException("could not stop S3Proxy", e);
        } finally {
            blobStore.close();
        }
    }
}
