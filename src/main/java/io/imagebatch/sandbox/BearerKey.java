package io.imagebatch.sandbox;

/**
 * The {@code Authorization: Bearer <key>} check of the protocols that use it (LiangXin, mingyan, HiAPI;
 * docs/providers/): the scheme word is matched ignoring case, the key exactly. Immutable and thread-safe.
 */
final class BearerKey {

    private static final String SCHEME = "Bearer ";

    private final String expected;

    /** @param apiKey the only key accepted, not null */
    BearerKey(String apiKey) {
        this.expected = SCHEME + apiKey;
    }

    /**
     * @param request a request
     * @return true when its {@code Authorization} header is {@code Bearer <key>}, the scheme word in any case
     */
    boolean matches(ApiRequest request) {
        String header = request.header("Authorization");
        return header != null && header.length() == expected.length()
                && header.regionMatches(true, 0, SCHEME, 0, SCHEME.length())
                && header.substring(SCHEME.length()).equals(expected.substring(SCHEME.length()));
    }
}
