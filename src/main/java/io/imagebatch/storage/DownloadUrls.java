package io.imagebatch.storage;

import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.Optional;

/**
 * Which URLs the downloader fetches, and how they are named in messages (rules 1 to 3 of {@link ImageDownloader};
 * docs/design.md, download step): only {@code http} and {@code https} URLs without user info; unless private
 * networks are allowed ({@code imagebatch.download.allow-private-networks}), no host that resolves to an address in
 * a special-purpose range of the IANA registries ({@link AddressRules}); redirects resolved against the URL that
 * answered. A URL is named by scheme, host, port and path only, never its query (signed URLs carry secrets
 * there). Thread-safe.
 *
 * @param allowPrivateNetworks true to skip the address check ({@link DownloadProperties#allowPrivateNetworks()})
 * @param resolver             how host names are resolved for the address check
 */
record DownloadUrls(boolean allowPrivateNetworks, DownloadUrls.HostResolver resolver) {

    /** Resolves a host name to all of its addresses; replaceable in tests. */
    @FunctionalInterface
    interface HostResolver {

        /**
         * @param host a host name or literal address
         * @return every address it resolves to
         * @throws UnknownHostException when it resolves to none
         */
        InetAddress[] resolve(String host) throws UnknownHostException;
    }

    /**
     * Checks a URL against rules 1 and 2 of {@link ImageDownloader}: {@code http} or {@code https}, no user info,
     * a host, and (unless private networks are allowed) no address of the host in a special-purpose range
     * ({@link AddressRules}).
     *
     * @param url the URL to fetch, or a redirect's target
     * @throws DownloadException not retryable when the URL is refused; retryable when its host cannot be resolved
     */
    void check(URI url) {
        String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            throw new DownloadException("refused " + (scheme.isEmpty() ? "a relative URL" : "a " + sanitize(scheme)
                    + ": URL") + ": only http and https URLs are downloaded", 0, false);
        }
        if (url.getRawUserInfo() != null) {
            throw new DownloadException("refused " + describe(url) + ": URLs with user info are not downloaded",
                    0, false);
        }
        String host = url.getHost();
        if (host == null || host.isEmpty()) {
            throw new DownloadException("refused " + describe(url) + ": the URL has no host", 0, false);
        }
        if (allowPrivateNetworks) {
            return;
        }
        InetAddress[] addresses;
        try {
            addresses = resolver.resolve(host);
        } catch (UnknownHostException e) {
            throw new DownloadException("cannot resolve the host of " + describe(url), 0, true, e);
        }
        for (InetAddress address : addresses) {
            Optional<AddressRules.Range> refused = AddressRules.refusedBy(address);
            if (refused.isPresent()) {
                throw new DownloadException("refused " + describe(url) + ": its host resolves to the non-public"
                        + " address " + address.getHostAddress() + " (" + refused.get().cidr() + ", "
                        + refused.get().name() + ", " + refused.get().source() + ");"
                        + " set imagebatch.download.allow-private-networks=true to allow", 0, false);
            }
        }
    }

    /**
     * Resolves a redirect's {@code Location} against the URL that answered, dropping any fragment (rule 3 of
     * {@link ImageDownloader}).
     *
     * @param current  the URL that answered the redirect
     * @param location the {@code Location} header
     * @param status   the redirect's HTTP status, for the message
     * @return the absolute URL to fetch next, not yet checked
     * @throws DownloadException not retryable when the header is not a valid URI
     */
    static URI resolveLocation(URI current, String location, int status) {
        try {
            URI resolved = current.resolve(new URI(location.strip()));
            return resolved.getRawFragment() == null ? resolved
                    : new URI(resolved.getScheme(), resolved.getRawSchemeSpecificPart(), null);
        } catch (URISyntaxException | IllegalArgumentException e) {
            throw new DownloadException("redirect " + status + " from " + describe(current)
                    + " has an invalid Location header", status, false);
        }
    }

    /**
     * A URL as it may appear in logs and messages: scheme, host, port and path; no user info, query or fragment.
     *
     * @param url any URI
     * @return for {@code https://bucket.example/a/b.png?X-Amz-Signature=...}: {@code https://bucket.example/a/b.png}
     */
    static String describe(URI url) {
        if (url == null) {
            return "(no URL)";
        }
        if (url.getHost() == null) {
            return url.getScheme() == null ? "(relative URL)" : sanitize(url.getScheme()) + ":(opaque)";
        }
        StringBuilder sb = new StringBuilder();
        sb.append(url.getScheme()).append("://");
        String host = url.getHost();
        sb.append(host);
        if (url.getPort() >= 0) {
            sb.append(':').append(url.getPort());
        }
        String path = url.getRawPath();
        sb.append(path == null || path.isEmpty() ? "/" : path);
        return sanitize(sb.toString());
    }

    /**
     * Makes outside text safe for a message: control characters become {@code ?}, and past 200 characters it is
     * cut and ends with {@code ...}.
     *
     * @param text any text, for example a URL or a header
     * @return the text, at most 203 characters
     */
    static String sanitize(String text) {
        StringBuilder sb = new StringBuilder(Math.min(text.length(), 200));
        for (int i = 0; i < text.length() && i < 200; i++) {
            char c = text.charAt(i);
            sb.append(c < 0x20 || c == 0x7f ? '?' : c);
        }
        return text.length() > 200 ? sb.append("...").toString() : sb.toString();
    }
}
