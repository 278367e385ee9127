package io.imagebatch.provider;

import io.imagebatch.OutsideText;

import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Checks shared by the adapters. Each adapter passes its own limits and names the documentation they come
 * from; this class only words the rejection the same way everywhere: {@code row N, column C: rule}.
 */
public final class RowRules {

    private RowRules() {
    }

    /**
     * Checks a prompt's length in Unicode code points (what users count as characters).
     *
     * @param rowNumber 1-based data row number
     * @param prompt    the prompt, may be null
     * @param min       fewest characters allowed
     * @param max       most characters allowed
     * @param who       the provider and model, for the message, for example {@code LiangXin nano-banana-pro-flash}
     * @return the prompt, unchanged
     * @throws RowRejectedException when the prompt is missing or its length is outside {@code min..max}
     */
    public static String promptLength(long rowNumber, String prompt, int min, int max, String who)
            throws RowRejectedException {
        if (prompt == null || prompt.isBlank()) {
            throw new RowRejectedException(rowNumber, "prompt", "empty; " + who + " needs a prompt of " + min
                    + " to " + max + " characters");
        }
        int length = prompt.codePointCount(0, prompt.length());
        if (length < min || length > max) {
            throw new RowRejectedException(rowNumber, "prompt", length + " character" + (length == 1 ? "" : "s")
                    + "; " + who + " takes " + min + " to " + max + " characters");
        }
        return prompt;
    }

    /**
     * Finds a value in a closed set, ignoring case, and returns the set's own spelling.
     *
     * @param rowNumber 1-based data row number
     * @param column    the catalogue field, for the message
     * @param value     the row's value (already defaulted), may be null when {@code value} is optional
     * @param allowed   the documented values, in the provider's spelling
     * @param who       the provider and model, for the message
     * @return the matching documented value, or null when {@code value} is null
     * @throws RowRejectedException when the value is not in the set
     */
    public static String oneOf(long rowNumber, String column, String value, List<String> allowed, String who)
            throws RowRejectedException {
        if (value == null) {
            return null;
        }
        Optional<String> match = allowed.stream().filter(a -> a.equalsIgnoreCase(value.trim())).findFirst();
        if (match.isEmpty()) {
            throw new RowRejectedException(rowNumber, column, "\"" + OutsideText.of(value) + "\" is not accepted; " + who
                    + " takes one of " + String.join(", ", allowed));
        }
        return match.get();
    }

    /**
     * Checks the number of reference images and the form of each: an http(s) URL whose path ends with one of
     * {@code extensions}, or a {@code data:image/...} URI of one of those types.
     *
     * @param rowNumber  1-based data row number
     * @param references the row's references, never null
     * @param max        most references allowed
     * @param extensions accepted file extensions without the dot, lower case (for example png, jpg, jpeg, webp);
     *                   empty to accept any http(s) URL
     * @param who        the provider and model, for the message
     * @return the references, unchanged
     * @throws RowRejectedException when there are too many or one has the wrong form
     */
    public static List<String> references(long rowNumber, List<String> references, int max,
            Collection<String> extensions, String who) throws RowRejectedException {
        if (references.size() > max) {
            throw new RowRejectedException(rowNumber, "reference_images", references.size()
                    + " images; " + who + " takes at most " + max);
        }
        for (String reference : references) {
            String lower = reference.toLowerCase(Locale.ROOT);
            if (lower.startsWith("data:")) {
                String type = lower.substring(5, Math.max(5, lower.indexOf(';'))).replace("image/", "");
                if (!lower.startsWith("data:image/") || !(extensions.isEmpty() || extensions.contains(type)
                        || (type.equals("jpeg") && extensions.contains("jpg")))) {
                    throw new RowRejectedException(rowNumber, "reference_images", "a data URI of type "
                            + type + "; " + who + " takes " + String.join(", ", extensions));
                }
                continue;
            }
            if (!lower.startsWith("https://") && !lower.startsWith("http://")) {
                throw new RowRejectedException(rowNumber, "reference_images", "\"" + shorten(reference)
                        + "\" is not an http(s) URL");
            }
            String path = lower.replaceFirst("[?#].*$", "");
            if (!extensions.isEmpty() && extensions.stream().noneMatch(e -> path.endsWith("." + e))) {
                throw new RowRejectedException(rowNumber, "reference_images", "\"" + shorten(reference)
                        + "\" does not end with ." + String.join(", .", extensions) + " as " + who + " requires");
            }
        }
        return references;
    }

    private static String shorten(String text) {
        return text.length() <= 80 ? text : text.substring(0, 77) + "...";
    }
}
