package io.imagebatch.rendition;

import java.awt.Color;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * One rendition of every stored image, as written in a job file's {@code renditions:} list (README.md,
 * "Renditions"):
 *
 * <pre>
 * renditions:
 *   - { name: shop, width: 1000, height: 1000, fit: pad, background: white, format: jpg, quality: 90 }
 *   - { name: story, width: 1080, height: 1920, fit: crop, format: webp }
 * </pre>
 *
 * @param name       the rendition's name, also the folder its images go to: 1 to 64 characters of
 *                   {@code A-Z a-z 0-9 . _ -}, starting with a letter or digit; unique in the list
 * @param width      the width in pixels, 1 to {@value #MAX_SIDE}
 * @param height     the height in pixels, 1 to {@value #MAX_SIDE}
 * @param fit        how the image is brought to {@code width x height}
 * @param background the colour of the padding ({@link Fit#PAD}) and what transparent pixels are laid on when the
 *                   format has no alpha (JPEG), as {@code #rrggbb} (lower case, opaque); kept as text so that the
 *                   rendition is stored with the batch's settings as plain JSON
 * @param format     the file format written
 * @param quality    the encoder quality for lossy formats (JPEG, WebP), 0 to 100; {@value #DEFAULT_QUALITY} when
 *                   not written; unused for PNG
 */
public record Rendition(String name, int width, int height, Fit fit, String background, Format format,
        int quality) {

    /** The largest width or height accepted, in pixels (README.md, "Renditions", bad input). */
    public static final int MAX_SIDE = 8192;

    /** The quality used when a lossy rendition does not give one. */
    public static final int DEFAULT_QUALITY = 85;

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
    private static final List<String> KEYS = List.of("name", "width", "height", "fit", "background", "format",
            "quality");
    private static final Map<String, Color> COLOURS = Map.of("white", Color.WHITE, "black", Color.BLACK,
            "gray", Color.GRAY, "grey", Color.GRAY, "lightgray", Color.LIGHT_GRAY, "lightgrey", Color.LIGHT_GRAY);

    /** How an image is brought to a rendition's size. */
    public enum Fit {
        /** Fill {@code width x height} and cut the overflow, centred: exactly that size. */
        CROP,
        /** Fit inside {@code width x height} and fill the rest with the background: exactly that size. */
        PAD,
        /** Fit inside {@code width x height}, no padding: at most that size, the image's aspect ratio kept. */
        CONTAIN
    }

    /** The file format of a rendition. */
    public enum Format {
        /** JPEG, lossy, no alpha: transparent pixels are laid on the background. */
        JPG("jpg", "image/jpeg", true),
        /** PNG, lossless, alpha kept. */
        PNG("png", "image/png", false),
        /** WebP, lossy at the rendition's quality, alpha kept. */
        WEBP("webp", "image/webp", true);

        private final String extension;
        private final String contentType;
        private final boolean lossy;

        Format(String extension, String contentType, boolean lossy) {
            this.extension = extension;
            this.contentType = contentType;
            this.lossy = lossy;
        }

        /** @return the file extension without the dot, for example {@code jpg} */
        public String extension() {
            return extension;
        }

        /** @return the MIME type, for example {@code image/jpeg} */
        public String contentType() {
            return contentType;
        }

        /** @return whether {@link Rendition#quality()} applies */
        public boolean lossy() {
            return lossy;
        }
    }

    /**
     * A rendition checked as {@link #parseList} checks one.
     *
     * @throws IllegalArgumentException when a value breaks the rules of the record description
     */
    public Rendition {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("name \"" + name + "\" must be 1 to 64 characters of A-Z a-z 0-9 . _ -"
                    + " starting with a letter or digit (it names a folder)");
        }
        if (width < 1 || width > MAX_SIDE || height < 1 || height > MAX_SIDE) {
            throw new IllegalArgumentException("size " + width + "x" + height + " must be 1 to " + MAX_SIDE
                    + " pixels each way");
        }
        if (fit == null || format == null || background == null || !background.matches("#[0-9A-Fa-f]{6}")) {
            throw new IllegalArgumentException("fit, format and a background #rrggbb are required");
        }
        if (quality < 0 || quality > 100) {
            throw new IllegalArgumentException("quality " + quality + " must be 0 to 100");
        }
        background = background.toLowerCase(Locale.ROOT);
    }

    /**
     * A rendition whose background is given as a colour.
     *
     * @param name       see the record
     * @param width      see the record
     * @param height     see the record
     * @param fit        see the record
     * @param background the background; its alpha is ignored
     * @param format     see the record
     * @param quality    see the record
     * @throws IllegalArgumentException as the canonical constructor
     */
    public Rendition(String name, int width, int height, Fit fit, Color background, Format format, int quality) {
        this(name, width, height, fit, String.format("#%06x", background.getRGB() & 0xFFFFFF), format, quality);
    }

    /** @return {@link #background()} as an opaque colour */
    public Color backgroundColor() {
        return new Color(Integer.parseInt(background.substring(1), 16));
    }

    /**
     * The key of this rendition of a row's image: {@code <batch id>/<rendition name>/<row id>.<ext>} (README.md,
     * "Renditions").
     *
     * @param batchId the batch id, a key segment
     * @param rowId   the row id as it appears in the row's own image key
     * @return the key relative to the output store's prefix
     */
    public String key(String batchId, String rowId) {
        return batchId + "/" + name + "/" + rowId + "." + format.extension();
    }

    /**
     * The URI of this rendition of a stored image, from the image's own URI: the rendition lies beside it, in the
     * rendition's folder, with the rendition's extension ({@code .../b7/row-42.png} gives
     * {@code .../b7/shop/row-42.jpg}), as {@link #key} places it.
     *
     * @param imageUri the stored image's URI ({@code s3://bucket/prefix/<batch id>/<row>.<ext>} or
     *                 {@code file:/.../<batch id>/<row>.<ext>})
     * @return the rendition's URI, as text
     * @throws IllegalArgumentException when the URI has no {@code /} before its file name
     */
    public String uriBeside(String imageUri) {
        int slash = imageUri.lastIndexOf('/');
        if (slash < 0) {
            throw new IllegalArgumentException("not an image URI with a folder: " + imageUri);
        }
        String file = imageUri.substring(slash + 1);
        int dot = file.lastIndexOf('.');
        String stem = dot > 0 ? file.substring(0, dot) : file;
        return imageUri.substring(0, slash + 1) + name + "/" + stem + "." + format.extension();
    }

    /**
     * Reads a job file's {@code renditions:} value: a list of mappings with the keys of the record description.
     * {@code name}, {@code width}, {@code height}, {@code fit} and {@code format} are required; {@code background}
     * is white and {@code quality} {@value #DEFAULT_QUALITY} when not written.
     *
     * @param value the parsed YAML value (a {@code List} of {@code Map}s), or null for none
     * @return the renditions in the order written; empty for null
     * @throws InvalidRenditionException for the first rendition that breaks a rule: not a mapping, an unknown or
     *                                   missing key, a size that is not a whole number from 1 to
     *                                   {@value #MAX_SIDE}, an unknown fit or format, a colour that does not parse
     *                                   ({@code white}, {@code black}, {@code grey}, {@code lightgrey} or
     *                                   {@code #RRGGBB}), a quality outside 0 to 100 or given for PNG, an unsafe or
     *                                   repeated name
     */
    public static List<Rendition> parseList(Object value) {
        if (value == null) {
            return List.of();
        }
        if (!(value instanceof List<?> list)) {
            throw new InvalidRenditionException(null, null, "must be a list, e.g. renditions: [ { name:"
                    + " shop, width: 1000, height: 1000, fit: pad, format: jpg } ]");
        }
        List<Rendition> result = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (int i = 0; i < list.size(); i++) {
            Rendition rendition = parse(i + 1, list.get(i));
            if (!names.add(rendition.name())) {
                throw new InvalidRenditionException(rendition.name(), "name", "the name is used by an earlier"
                        + " rendition; each needs its own (it names a folder)");
            }
            result.add(rendition);
        }
        return List.copyOf(result);
    }

    private static Rendition parse(int number, Object item) {
        String label = "#" + number;
        if (!(item instanceof Map<?, ?> raw)) {
            throw new InvalidRenditionException(label, null, "each rendition must be a mapping of "
                    + String.join(", ", KEYS));
        }
        Map<String, String> map = new LinkedHashMap<>();
        raw.forEach((k, v) -> map.put(String.valueOf(k), v == null ? null : String.valueOf(v).trim()));
        String name = map.get("name");
        if (name != null && !name.isEmpty()) {
            label = name;
        }
        for (String key : map.keySet()) {
            if (!KEYS.contains(key)) {
                throw new InvalidRenditionException(label, key, "unknown key (known: " + String.join(", ", KEYS)
                        + ")");
            }
        }
        for (String key : List.of("name", "width", "height", "fit", "format")) {
            if (map.get(key) == null || map.get(key).isEmpty()) {
                throw new InvalidRenditionException(label, key, "is missing");
            }
        }
        if (!NAME.matcher(name).matches() || name.equals(".") || name.equals("..")) {
            throw new InvalidRenditionException(label, "name", "\"" + name + "\" must be 1 to 64 characters of"
                    + " A-Z a-z 0-9 . _ - starting with a letter or digit (it names a folder)");
        }
        int width = side(label, "width", map.get("width"));
        int height = side(label, "height", map.get("height"));
        Fit fit = choice(label, "fit", map.get("fit"), Fit.class);
        Format format = choice(label, "format", map.get("format").equalsIgnoreCase("jpeg") ? "jpg"
                : map.get("format"), Format.class);
        Color background = map.get("background") == null ? Color.WHITE
                : colour(label, map.get("background"));
        int quality = DEFAULT_QUALITY;
        if (map.get("quality") != null) {
            if (!format.lossy()) {
                throw new InvalidRenditionException(label, "quality", "applies to jpg and webp only; "
                        + format.extension() + " is lossless");
            }
            quality = whole(label, "quality", map.get("quality"), 0, 100);
        }
        return new Rendition(name, width, height, fit, background, format, quality);
    }

    private static int side(String label, String key, String value) {
        return whole(label, key, value, 1, MAX_SIDE);
    }

    private static int whole(String label, String key, String value, int min, int max) {
        try {
            int n = Integer.parseInt(value);
            if (n >= min && n <= max) {
                return n;
            }
        } catch (NumberFormatException e) {
            // said below
        }
        throw new InvalidRenditionException(label, key, "\"" + value + "\" must be a whole number from " + min
                + " to " + max);
    }

    private static <E extends Enum<E>> E choice(String label, String key, String value, Class<E> type) {
        for (E constant : type.getEnumConstants()) {
            if (constant.name().equalsIgnoreCase(value)) {
                return constant;
            }
        }
        List<String> known = new ArrayList<>();
        for (E constant : type.getEnumConstants()) {
            known.add(constant.name().toLowerCase(Locale.ROOT));
        }
        throw new InvalidRenditionException(label, key, "\"" + value + "\" is not one of " + String.join(", ",
                known));
    }

    private static Color colour(String label, String value) {
        Color named = COLOURS.get(value.toLowerCase(Locale.ROOT));
        if (named != null) {
            return named;
        }
        if (value.matches("#[0-9A-Fa-f]{6}")) {
            return new Color(Integer.parseInt(value.substring(1), 16));
        }
        throw new InvalidRenditionException(label, "background", "\"" + value + "\" is not a colour; write #RRGGBB"
                + " (for example \"#F5F5F5\", quoted in YAML) or one of " + String.join(", ",
                        COLOURS.keySet().stream().sorted().toList()));
    }
}
