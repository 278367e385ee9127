package io.imagebatch;

/**
 * Text that came from outside (a catalogue's headers and cells, a callback's path, a provider's answer) made safe
 * to log or print: control characters are escaped, so such text can neither forge a line of its own (CR, LF)
 * nor drive the terminal (NUL, BEL, ESC sequences, bidirectional overrides), and long values are cut.
 *
 * <p>Every log line's message goes through {@link #escape(String)} ({@link OutsideTextConverter}, configured in
 * {@code logback-spring.xml}); text printed to the terminal goes through {@link #of(Object)} where it is
 * printed.
 */
public final class OutsideText {

    /** The most characters of one outside value shown by {@link #of(Object)}. */
    public static final int MAX_CHARS = 200;

    private OutsideText() {
    }

    /**
     * @param value any value from outside, may be null
     * @return its text, escaped ({@link #escape(String)}) and cut to {@link #MAX_CHARS} characters (then
     *         {@code ...(N more characters)}); {@code null} for null
     */
    public static String of(Object value) {
        return cut(escape(value == null ? "null" : value.toString()), MAX_CHARS);
    }

    /**
     * @param text     a text, may be null
     * @param maxChars the most characters kept, at least 1
     * @return the text with at most {@code maxChars} characters, followed by {@code ...(N more characters)} when
     *         it was longer; null for null. Not escaped: see {@link #of(Object)}
     */
    public static String cut(String text, int maxChars) {
        if (text == null || text.length() <= maxChars) {
            return text;
        }
        int end = Math.max(1, maxChars);
        if (Character.isHighSurrogate(text.charAt(end - 1))) {
            end--; // never half a character
        }
        return text.substring(0, end) + "...(" + (text.length() - end) + " more characters)";
    }

    /**
     * For a provider's short fields (a state word, an error code) as the ledger stores them.
     *
     * @param text     a text from outside, may be null
     * @param maxChars the most characters returned, at least 4
     * @return the text escaped ({@link #escape(String)}) and, when longer than {@code maxChars}, cut to
     *         {@code maxChars - 3} characters followed by {@code ...}; null for null
     */
    public static String field(String text, int maxChars) {
        String escaped = escape(text);
        return escaped == null || escaped.length() <= maxChars ? escaped
                : escaped.substring(0, Math.max(1, maxChars - 3)) + "...";
    }

    /**
     * Escapes every character that could break a log line or drive a terminal: CR as {@code \r}, LF as
     * {@code \n}, TAB is kept, and every other C0 or C1 control character, DEL, the line and paragraph separators
     * (U+2028, U+2029) and the bidirectional embedding, override and isolate marks (U+202A to U+202E, U+2066 to
     * U+2069) as {@code \}{@code uXXXX}. A backslash is kept as it is.
     *
     * @param text a text, may be null
     * @return the escaped text (the same instance when nothing needed escaping); null for null
     */
    public static String escape(String text) {
        if (text == null) {
            return null;
        }
        int i = 0;
        while (i < text.length() && !needsEscape(text.charAt(i))) {
            i++;
        }
        if (i == text.length()) {
            return text;
        }
        StringBuilder sb = new StringBuilder(text.length() + 16).append(text, 0, i);
        for (; i < text.length(); i++) {
            char c = text.charAt(i);
            if (!needsEscape(c)) {
                sb.append(c);
            } else if (c == '\n') {
                sb.append("\\n");
            } else if (c == '\r') {
                sb.append("\\r");
            } else {
                sb.append(String.format("\\u%04x", (int) c));
            }
        }
        return sb.toString();
    }

    private static boolean needsEscape(char c) {
        return (c < 0x20 && c != '\t') || (c >= 0x7f && c <= 0x9f) || c == '\u2028' || c == '\u2029'
                || (c >= '\u202a' && c <= '\u202e') || (c >= '\u2066' && c <= '\u2069');
    }
}
