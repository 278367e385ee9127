package io.imagebatch.storage;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A parsed output destination: an S3 bucket with an optional key prefix, or a local folder.
 *
 * <p>Accepted forms (rules: {@code docs/design.md}, "Output store"):
 * <ul>
 *   <li>{@code s3://bucket} or {@code s3://bucket/prefix/nested}: the bucket name follows S3's naming rules
 *       (3 to 63 characters of lower-case letters, digits, {@code .} and {@code -}, starting and ending with a
 *       letter or digit); the prefix is kept without leading or trailing slashes and may be empty. No query or
 *       fragment, no empty, {@code .} or {@code ..} segment.</li>
 *   <li>{@code file:some/dir}, {@code file:./output} (relative to the working directory, {@code user.dir}),
 *       {@code file:/abs/dir} or {@code file:///abs/dir}. The part after {@code file:} is taken as a file-system
 *       path as written (no percent-decoding). The folder need not exist yet.</li>
 * </ul>
 * The scheme is matched case-insensitively; anything else is refused with an {@link IllegalArgumentException}
 * that lists these forms.
 *
 * @param kind      which store this location belongs to
 * @param bucket    the S3 bucket name; null for {@link Kind#FILE}
 * @param prefix    the S3 key prefix without leading or trailing {@code /}, possibly empty; always empty for
 *                  {@link Kind#FILE}
 * @param directory the absolute, normalised folder for {@link Kind#FILE}; null for {@link Kind#S3}
 */
public record OutputLocation(Kind kind, String bucket, String prefix, Path directory) {

    /** The kind of store a location points at. */
    public enum Kind {
        /** An S3 (or S3-compatible) bucket, written with the AWS SDK v2. */
        S3,
        /** A local folder. */
        FILE
    }

    /** Human-readable list of the accepted forms, used in every parse error. */
    public static final String ACCEPTED_FORMS =
            "s3://bucket, s3://bucket/prefix, file:relative/dir, file:./dir or file:/absolute/dir";

    private static final Pattern BUCKET = Pattern.compile("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]");

    /**
     * Checks the components; prefer {@link #parse(String)}.
     *
     * @param kind      see {@link #kind()}
     * @param bucket    see {@link #bucket()}
     * @param prefix    see {@link #prefix()}; null means empty
     * @param directory see {@link #directory()}; normalised here
     * @throws IllegalArgumentException when the components do not describe one of the accepted forms
     */
    public OutputLocation {
        Objects.requireNonNull(kind, "kind");
        prefix = prefix == null ? "" : prefix;
        if (kind == Kind.S3) {
            if (bucket == null || !BUCKET.matcher(bucket).matches()) {
                throw new IllegalArgumentException("invalid S3 bucket name \"" + bucket + "\": expected 3 to 63"
                        + " lower-case letters, digits, '.' or '-', starting and ending with a letter or digit");
            }
            if (!prefix.isEmpty()) {
                ObjectKeys.check(prefix);
            }
            if (directory != null) {
                throw new IllegalArgumentException("an S3 location has no directory");
            }
        } else {
            if (directory == null || !directory.isAbsolute()) {
                throw new IllegalArgumentException("a file location needs an absolute directory, got " + directory);
            }
            directory = directory.normalize();
            if (bucket != null || !prefix.isEmpty()) {
                throw new IllegalArgumentException("a file location has no bucket or prefix");
            }
        }
    }

    /**
     * Parses a destination URI.
     *
     * @param location for example {@code s3://my-bucket/images/2024} or {@code file:./output}; surrounding
     *                 whitespace is ignored
     * @return the parsed location; a relative {@code file:} path is resolved against the working directory now
     * @throws IllegalArgumentException when the text is not one of the accepted forms ({@link #ACCEPTED_FORMS});
     *                                  the message quotes the input and lists the accepted forms
     */
    public static OutputLocation parse(String location) {
        if (location == null || location.isBlank()) {
            throw refused(location, "it is empty");
        }
        String text = location.strip();
        String lower = text.toLowerCase(Locale.ROOT);
        if (lower.startsWith("s3://")) {
            return parseS3(text, text.substring("s3://".length()));
        }
        if (lower.startsWith("file:")) {
            return parseFile(text, text.substring("file:".length()));
        }
        throw refused(text, "the scheme is not s3:// or file:");
    }

    private static OutputLocation parseS3(String text, String rest) {
        if (rest.indexOf('?') >= 0 || rest.indexOf('#') >= 0) {
            throw refused(text, "an S3 location takes no query or fragment");
        }
        int slash = rest.indexOf('/');
        String bucket = slash < 0 ? rest : rest.substring(0, slash);
        String prefix = slash < 0 ? "" : stripSlashes(rest.substring(slash + 1));
        if (bucket.isEmpty()) {
            throw refused(text, "the bucket name is missing");
        }
        try {
            return new OutputLocation(Kind.S3, bucket, prefix, null);
        } catch (IllegalArgumentException e) {
            throw refused(text, e.getMessage());
        }
    }

    private static OutputLocation parseFile(String text, String rest) {
        String pathText = rest;
        if (rest.startsWith("//")) {
            int slash = rest.indexOf('/', 2);
            String authority = slash < 0 ? rest.substring(2) : rest.substring(2, slash);
            if (!authority.isEmpty() && !authority.equalsIgnoreCase("localhost")) {
                throw refused(text, "a file location cannot name a remote host (\"" + authority + "\")");
            }
            pathText = slash < 0 ? "" : rest.substring(slash);
        }
        if (pathText.isBlank()) {
            throw refused(text, "the folder is missing");
        }
        Path path;
        try {
            path = Path.of(pathText);
        } catch (InvalidPathException e) {
            throw refused(text, "not a valid path: " + e.getReason());
        }
        Path absolute = path.isAbsolute() ? path : Path.of("").toAbsolutePath().resolve(path);
        return new OutputLocation(Kind.FILE, null, "", absolute.normalize());
    }

    private static String stripSlashes(String s) {
        int start = 0;
        int end = s.length();
        while (start < end && s.charAt(start) == '/') {
            start++;
        }
        while (end > start && s.charAt(end - 1) == '/') {
            end--;
        }
        return s.substring(start, end);
    }

    private static IllegalArgumentException refused(String text, String why) {
        return new IllegalArgumentException("unsupported output location \"" + (text == null ? "" : text) + "\" ("
                + why + "); accepted forms: " + ACCEPTED_FORMS);
    }

    /**
     * Joins the prefix and {@code parts} with {@code /} into the full object key: the key within the bucket for
     * S3, the path relative to {@link #directory()} for a folder (whose prefix is always empty).
     *
     * @param parts one or more key segments, for example {@code ("batch-7", "row-42.png")}; a part may itself
     *              contain {@code /}
     * @return for {@code s3://b/images} and {@code ("x", "y.png")}: {@code images/x/y.png}
     * @throws IllegalArgumentException when no part is given, a part is null or blank, or the joined key has an
     *                                  empty, {@code .} or {@code ..} segment
     */
    public String key(String... parts) {
        if (parts == null || parts.length == 0) {
            throw new IllegalArgumentException("at least one key part is required");
        }
        StringBuilder sb = new StringBuilder(prefix);
        for (String part : parts) {
            if (part == null || part.isBlank()) {
                throw new IllegalArgumentException("key parts must not be blank");
            }
            if (sb.length() > 0) {
                sb.append('/');
            }
            sb.append(part);
        }
        return ObjectKeys.check(sb.toString());
    }

    /**
     * The key, relative to this location, of an object URI a store of this location returned
     * ({@link OutputStore#put}, {@link OutputStore#uriOf}): the reverse of {@link OutputStore#uriOf}. Used to read
     * back a stored row's image from the ledger's {@code OUTPUT_URI}.
     *
     * @param uri an object URI, for example {@code s3://bucket/prefix/b7/row-1.png} or
     *            {@code file:/abs/dir/b7/row-1.png}; null gives empty
     * @return the key ({@code b7/row-1.png}); empty when the URI is not of this location's kind, names another
     *         bucket, lies outside the prefix or folder, or does not make a valid key ({@link ObjectKeys#check})
     */
    public Optional<String> keyOf(URI uri) {
        if (uri == null || uri.getScheme() == null || uri.getRawPath() == null || uri.getQuery() != null
                || uri.getFragment() != null) {
            return Optional.empty();
        }
        String key;
        if (kind == Kind.S3) {
            if (!uri.getScheme().equalsIgnoreCase("s3") || !bucket.equals(uri.getAuthority())) {
                return Optional.empty();
            }
            String path = uri.getPath();
            String start = prefix.isEmpty() ? "/" : "/" + prefix + "/";
            if (!path.startsWith(start)) {
                return Optional.empty();
            }
            key = path.substring(start.length());
        } else {
            if (!uri.getScheme().equalsIgnoreCase("file") || (uri.getAuthority() != null
                    && !uri.getAuthority().equalsIgnoreCase("localhost"))) {
                return Optional.empty();
            }
            Path file;
            try {
                file = Path.of(uri.getPath());
            } catch (InvalidPathException e) {
                return Optional.empty();
            }
            if (!file.isAbsolute() || !file.equals(file.normalize()) || !file.startsWith(directory)
                    || file.equals(directory)) {
                return Optional.empty();
            }
            StringBuilder sb = new StringBuilder();
            for (Path name : directory.relativize(file)) {
                if (sb.length() > 0) {
                    sb.append('/');
                }
                sb.append(name);
            }
            key = sb.toString();
        }
        try {
            return Optional.of(ObjectKeys.check(key));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /**
     * The location as a URI: {@code s3://bucket} or {@code s3://bucket/prefix}, or {@code file:/abs/dir}
     * (characters that are illegal in a URI are percent-encoded).
     *
     * @return the canonical URI of this location
     */
    public URI uri() {
        try {
            if (kind == Kind.S3) {
                return new URI("s3", bucket, prefix.isEmpty() ? null : "/" + prefix, null);
            }
            return new URI("file", null, directory.toString(), null);
        } catch (URISyntaxException e) {
            throw new IllegalStateException("cannot express " + this + " as a URI", e);
        }
    }

    /** @return {@link #uri()} as text */
    @Override
    public String toString() {
        return kind == Kind.S3 ? "s3://" + bucket + (prefix.isEmpty() ? "" : "/" + prefix) : "file:" + directory;
    }
}
