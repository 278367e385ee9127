package io.imagebatch.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import org.junit.jupiter.api.Test;

/** The downloader's URL rules on their own, with a scripted resolver: no network. */
class DownloadUrlsTest {

    private static DownloadUrls.HostResolver resolvingTo(String address) {
        return host -> new InetAddress[] {InetAddress.getByName(address)};
    }

    @Test
    void aHostThatResolvesToAPrivateAddressIsRefusedUnlessPrivateNetworksAreAllowed() {
        DownloadException refused = catchThrowableOfType(DownloadException.class, () ->
                new DownloadUrls(false, resolvingTo("10.1.2.3")).check(URI.create("https://cdn.example/a.png")));
        assertThat(refused.getMessage()).contains("10.1.2.3").contains("allow-private-networks");
        assertThat(refused.retryable()).isFalse();

        assertThatCode(() -> new DownloadUrls(true, resolvingTo("10.1.2.3"))
                .check(URI.create("https://cdn.example/a.png"))).doesNotThrowAnyException();
    }

    @Test
    void aPublicHttpsUrlPassesAndOtherSchemesOrUserInfoAreRefused() {
        DownloadUrls urls = new DownloadUrls(false, resolvingTo("93.184.216.34"));
        assertThatCode(() -> urls.check(URI.create("https://cdn.example/a.png?sig=1"))).doesNotThrowAnyException();

        assertThat(catchThrowableOfType(DownloadException.class, () -> urls.check(URI.create("ftp://cdn.example/a")))
                .getMessage()).contains("only http and https");
        assertThat(catchThrowableOfType(DownloadException.class,
                () -> urls.check(URI.create("https://user:pw@cdn.example/a.png"))).getMessage())
                .contains("user info").doesNotContain("pw");
    }

    @Test
    void aHostThatCannotBeResolvedIsARetryableFailure() {
        DownloadUrls urls = new DownloadUrls(false, host -> {
            throw new UnknownHostException(host);
        });
        assertThat(catchThrowableOfType(DownloadException.class,
                () -> urls.check(URI.create("https://gone.example/a.png"))).retryable()).isTrue();
    }

    @Test
    void aRedirectIsResolvedAgainstTheUrlThatAnsweredWithoutItsFragment() {
        assertThat(DownloadUrls.resolveLocation(URI.create("https://a.example/x/y.png?s=1"), " ../z.png#frag", 302))
                .isEqualTo(URI.create("https://a.example/z.png"));
        assertThat(catchThrowableOfType(DownloadException.class,
                () -> DownloadUrls.resolveLocation(URI.create("https://a.example/"), "http://[bad", 301))
                .getMessage()).contains("invalid Location");
    }

    @Test
    void aUrlIsNamedWithoutItsQueryAndControlCharactersAreReplaced() {
        assertThat(DownloadUrls.describe(URI.create("https://b.example:8443/a/b.png?X-Amz-Signature=secret")))
                .isEqualTo("https://b.example:8443/a/b.png");
        assertThat(DownloadUrls.sanitize("a\u0007b")).isEqualTo("a?b");
    }
}
