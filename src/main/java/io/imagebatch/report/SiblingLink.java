package io.imagebatch.report;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Optional;

/**
 * Relative links from a page to the objects beside it. The contact sheet links its images only this way, so
 * that it works wherever the folder is opened: from disk ({@code file:}), from a static S3 website, or after the
 * folder was copied elsewhere.
 */
public final class SiblingLink {

    private SiblingLink() {
    }

    /**
     * The relative reference from a page to an object in the same folder.
     *
     * @param page   the page's own URI, for example {@code file:/out/demo-1/report.html} or
     *               {@code s3://bucket/prefix/demo-1/report.html}
     * @param object the object's URI as the ledger recorded it, for example {@code file:/out/demo-1/NB-1001.png};
     *               may be null
     * @return {@code ./NB-1001.png} (the object's last path segment, still percent-encoded, behind {@code ./} so
     *         that a segment with a colon is never read as a scheme); empty when the object is not a sibling of
     *         the page (another folder, another bucket or scheme) or its URI cannot be parsed
     */
    public static Optional<String> of(URI page, String object) {
        if (page == null || object == null || object.isBlank()) {
            return Optional.empty();
        }
        try {
            URI target = new URI(object);
            String rawPath = target.getRawPath();
            if (target.isOpaque() || rawPath == null || target.getRawQuery() != null
                    || target.getRawFragment() != null) {
                return Optional.empty();
            }
            String name = rawPath.substring(rawPath.lastIndexOf('/') + 1);
            if (name.isEmpty() || name.equals(".") || name.equals("..")) {
                return Optional.empty();
            }
            String relative = "./" + name;
            // the proof that it is a sibling: resolving the link against the page gives the object back
            return page.resolve(relative).equals(target) ? Optional.of(relative) : Optional.empty();
        } catch (URISyntaxException | IllegalArgumentException e) {
            return Optional.empty();
        }
    }
}
