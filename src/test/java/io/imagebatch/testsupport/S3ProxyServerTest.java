package io.imagebatch.testsupport;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.OutputStream;
import java.net.Socket;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.model.S3Object;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

/**
 * What the kill test's S3 server shows while a PUT is cut short (a child SIGKILLed mid-upload): the flaky
 * "unexpected object in the bucket: {@code <key>-<uuid>}" of the PostgreSQL kill test, reproduced without a kill.
 */
class S3ProxyServerTest {

    @Test
    void aPutCutMidBodyIsListedUnderAStagingNameUntilItsConnectionEnds() throws Exception {
        try (S3ProxyServer s3 = S3ProxyServer.start();
                S3Presigner presigner = S3Presigner.builder()
                        .endpointOverride(s3.endpoint())
                        .region(Region.of(S3ProxyServer.REGION))
                        .serviceConfiguration(S3Configuration.builder().pathStyleAccessEnabled(true).build())
                        .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(
                                S3ProxyServer.ACCESS_KEY, S3ProxyServer.SECRET_KEY)))
                        .build()) {
            s3.createBucket("images");
            URL put = presigner.presignPutObject(b -> b.signatureDuration(Duration.ofMinutes(5))
                    .putObjectRequest(r -> r.bucket("images").key("seed-1/b/sku-012.png"))).url();

            // a PUT announcing 100,000 bytes whose client sends 1,000 and then stops, as a SIGKILLed child does
            try (Socket socket = new Socket(put.getHost(), put.getPort())) {
                OutputStream out = socket.getOutputStream();
                out.write(("PUT " + put.getFile() + " HTTP/1.1\r\nHost: " + put.getHost() + ":" + put.getPort()
                        + "\r\nContent-Length: 100000\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
                out.write(new byte[1000]);
                out.flush();

                // while the request is open, the listing holds the staging object and not the key itself
                await("the staging object is listed").atMost(Duration.ofSeconds(30))
                        .pollInterval(Duration.ofMillis(20)).until(() -> !keys(s3).isEmpty());
                List<String> listed = keys(s3);
                assertEquals(1, listed.size(), "listed: " + listed);
                assertTrue(listed.get(0).startsWith("seed-1/b/sku-012.png-"), "listed: " + listed);
                assertEquals(Optional.of("seed-1/b/sku-012.png"), S3ProxyServer.stagedKey(listed.get(0)),
                        "the kill test's bucket check recognises it as the staging of seed-1/b/sku-012.png");
            }

            // the connection ends (the kernel closes a killed process's sockets): the server drops the staging
            // object, and the key was never created
            await("the staging object is gone").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20))
                    .until(() -> keys(s3).isEmpty());
        }
    }

    @Test
    void onlyAKeyEndingInAUuidIsAStagingName() {
        assertEquals(Optional.of("p/b/report.csv"),
                S3ProxyServer.stagedKey("p/b/report.csv-0f8fad5b-d9cb-469f-a165-70867728950e"));
        assertEquals(Optional.empty(), S3ProxyServer.stagedKey("p/b/sku-012.png"));
        assertEquals(Optional.empty(), S3ProxyServer.stagedKey("p/b/sku-0f8fad5b.png"));
        assertEquals(Optional.empty(), S3ProxyServer.stagedKey("p/b/.imagebatch-probe-1a2b3c4d5e6f7a8b"));
    }

    private static List<String> keys(S3ProxyServer s3) {
        return s3.client().listObjectsV2Paginator(b -> b.bucket("images")).contents().stream().map(S3Object::key)
                .toList();
    }
}
